// A printed policy shows every section: open all collapsed details before printing and
// restore them afterwards. (The print style sheet does the same where the browser supports
// ::details-content; this covers the others.)
(function () {
  var opened = [];
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
