// The palette of a standalone page (archived revisions, "what changed" pages), which Material's
// scripts do not run on: the one the reader chose with the toggle of the MkDocs pages (Material
// keeps it in localStorage under the site's path, "<path>.__palette", as
// {"index": i, "color": {"media", "scheme", "primary", "accent"}}), else the system's
// (prefers-color-scheme). Loaded first in the body, not deferred, so the page is never shown
// in the other palette first. The script's data-pkb-site is the site's root, relative.
//
// The header's switch (button[data-pkb-palettes], hidden until this script shows it: without
// the script it could do nothing) goes to the next palette of mkdocs.yml's theme.palette and
// stores the choice the way Material does, so it carries onto the MkDocs pages and back.
(function () {
  var script = document.currentScript;
  var body = document.body;
  var key = null;
  var chosen = null;
  try {
    key = new URL(script.getAttribute("data-pkb-site"), location).pathname + ".__palette";
    chosen = JSON.parse(localStorage.getItem(key));
  } catch (error) {
    // no storage (private mode, file://): the system's palette
  }
  var color = chosen && chosen.color;
  if (color && color.scheme && color.media !== "(prefers-color-scheme)") {
    ["scheme", "primary", "accent"].forEach(function (name) {
      if (color[name]) body.setAttribute("data-md-color-" + name, color[name]);
    });
  } else {
    body.setAttribute("data-md-color-scheme", matchMedia("(prefers-color-scheme: dark)").matches ? "slate" : "default");
  }

  function setUpSwitch() {
    var button = document.querySelector("button[data-pkb-palettes]");
    if (!button) return;
    var palettes = JSON.parse(button.getAttribute("data-pkb-palettes"));
    var icons = button.querySelectorAll("[data-pkb-palette-icon]");
    function current() {
      var scheme = body.getAttribute("data-md-color-scheme");
      for (var index = 0; index < palettes.length; index++) {
        if (palettes[index].scheme === scheme) return index;
      }
      return 0;
    }
    function show() {
      var index = current();
      button.setAttribute("aria-label", palettes[index].name);
      button.setAttribute("title", palettes[index].name);
      for (var i = 0; i < icons.length; i++) icons[i].hidden = i !== index;
    }
    button.addEventListener("click", function () {
      var index = (current() + 1) % palettes.length;
      var palette = palettes[index];
      ["scheme", "primary", "accent"].forEach(function (name) {
        body.setAttribute("data-md-color-" + name, palette[name]);
      });
      try {
        localStorage.setItem(key, JSON.stringify({index: index, color: {media: palette.media, scheme: palette.scheme, primary: palette.primary, accent: palette.accent}}));
      } catch (error) {
        // no storage: the choice lasts as long as the page
      }
      show();
    });
    show();
    button.hidden = false;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpSwitch);
  } else {
    setUpSwitch();
  }
})();
