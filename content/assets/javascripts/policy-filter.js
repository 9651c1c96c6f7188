/*
 * The policy list's filter (generators/outputs/templates/site/policies.md): by number, title words and
 * category, as the reader types. Progressive enhancement: the form is hidden until this script
 * shows it, and without it the list is whole. Each row carries its number and title in lower
 * case (data-pkb-filter) and its category (data-pkb-category); a row is shown when every typed
 * word is part of its number or title and its category is the chosen one. A section whose rows
 * are all hidden is hidden too. Material's instant navigation replaces the page without
 * reloading scripts: we subscribe to its `document$`; without it, DOMContentLoaded does it.
 */
(function () {
  "use strict";

  function init() {
    var form = document.querySelector("form.pkb-filter");
    if (!form) {
      return;
    }
    var text = form.querySelector("#pkb-filter-text");
    var category = form.querySelector("#pkb-filter-category");
    var count = form.querySelector(".pkb-filter__count");
    var rows = Array.prototype.slice.call(document.querySelectorAll(".pkb-policy-group tr[data-pkb-filter]"));
    var groups = Array.prototype.slice.call(document.querySelectorAll(".pkb-policy-group"));
    var sections = document.querySelector(".pkb-sections");

    function apply() {
      var words = text.value.toLowerCase().split(/\s+/).filter(Boolean);
      var chosen = category ? category.value : "";
      var shown = 0;
      rows.forEach(function (row) {
        var haystack = row.getAttribute("data-pkb-filter");
        var match = (!chosen || row.getAttribute("data-pkb-category") === chosen) &&
          words.every(function (word) { return haystack.indexOf(word) !== -1; });
        row.hidden = !match;
        if (match) {
          shown += 1;
        }
      });
      groups.forEach(function (group) {
        group.hidden = !group.querySelector("tr[data-pkb-filter]:not([hidden])");
      });
      var filtering = words.length > 0 || chosen !== "";
      if (sections) {
        sections.hidden = filtering;
      }
      count.textContent = filtering ? shown + " of " + rows.length + (rows.length === 1 ? " policy" : " policies") : "";
    }

    form.addEventListener("input", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.hidden = false;
    apply();
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(function () { init(); });
  } else {
    document.addEventListener("DOMContentLoaded", init);
  }
})();
