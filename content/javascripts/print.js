// Printing a policy page.
// - The "Print / save as PDF" control (hidden without this script) opens the browser's print
//   dialog, where "Save as PDF" is one of the printers.
// - A printed policy shows every section: open all collapsed details before printing and
//   restore them afterwards. (The print style sheet does the same where the browser supports
//   ::details-content; this covers the others.)
(function () {
  var opened = [];
  function showPrintControls() {
    document.querySelectorAll(".pkb-print[hidden]").forEach(function (control) {
      control.removeAttribute("hidden");
      control.querySelector("button").addEventListener("click", function () { window.print(); });
    });
  }
  // Material's instant navigation replaces the page without a new load: run on each page.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(showPrintControls);
  } else {
    document.addEventListener("DOMContentLoaded", showPrintControls);
  }
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (element) {
      element.setAttribute("open", "");
      opened.push(element);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (element) { element.removeAttribute("open"); });
    opened = [];
  });
})();
