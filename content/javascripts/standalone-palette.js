// The palette of a standalone page (archived revisions, "what changed" pages), which Material's
// scripts do not run on: the one the reader chose with the toggle of the MkDocs pages (Material
// keeps it in localStorage under the site's path, "<path>.__palette"), else the system's
// (prefers-color-scheme). Loaded first in the body, not deferred, so the page is never shown
// in the other palette first. The script's data-pkb-site is the site's root, relative.
(function () {
  var script = document.currentScript;
  var scheme = matchMedia("(prefers-color-scheme: dark)").matches ? "slate" : "default";
  try {
    var key = new URL(script.getAttribute("data-pkb-site"), location).pathname + ".__palette";
    var chosen = JSON.parse(localStorage.getItem(key));
    if (chosen && chosen.color && chosen.color.scheme && chosen.color.media !== "(prefers-color-scheme)") {
      scheme = chosen.color.scheme;
    }
  } catch (error) {
    // no storage (private mode, file://): the system's palette
  }
  document.body.setAttribute("data-md-color-scheme", scheme);
})();
