// The palette of a standalone page (archived revisions, "what changed" pages), which Material's
// scripts do not run on: the one the reader chose with the toggle of the MkDocs pages (Material
// keeps it in localStorage under the site's path, "<path>.__palette", as
// {"index": i, "color": {"media", "scheme", "primary", "accent"}}), else the palette of
// mkdocs.yml's theme.palette whose media the system matches, as Material picks it. Loaded first
// in the body, not deferred, so the page is never shown in the other palette first. The
// script's data-pkb-site is the site's root, relative; data-pkb-palettes the palettes of
// theme.palette (absent when there is no switch).
//
// The header's switch (button[data-pkb-palette-switch], hidden until this script shows it:
// without the script it could do nothing) goes to the next palette and stores the choice the
// way Material does, so it carries onto the MkDocs pages and back. The palette shown is kept
// by its index, not found again by its scheme: two palettes may share a scheme (Material's
// "automatic" palette beside its light one).
(function () {
  var script = document.currentScript;
  var body = document.body;
  var AUTOMATIC = "(prefers-color-scheme)";
  var key = null;
  var chosen = null;
  var palettes = [];
  try {
    palettes = JSON.parse(script.getAttribute("data-pkb-palettes") || "[]");
  } catch (error) {
    palettes = [];
  }
  try {
    key = new URL(script.getAttribute("data-pkb-site"), location).pathname + ".__palette";
    chosen = JSON.parse(localStorage.getItem(key));
  } catch (error) {
    // no storage (private mode, file://): the system's palette
  }

  function systemScheme() {
    return matchMedia("(prefers-color-scheme: dark)").matches ? "slate" : "default";
  }

  function initial() {
    var stored = chosen && chosen.color;
    if (stored && typeof chosen.index === "number" && palettes[chosen.index] && palettes[chosen.index].scheme === stored.scheme) {
      return chosen.index;
    }
    for (var index = 0; index < palettes.length; index++) {
      var media = palettes[index].media;
      if (media && matchMedia(media).matches) return index;
    }
    return palettes.length ? 0 : -1;
  }

  // Material's automatic palette follows the system's scheme; any other shows its own.
  function apply(palette) {
    body.setAttribute("data-md-color-scheme", palette.media === AUTOMATIC ? systemScheme() : palette.scheme);
    if (palette.primary) body.setAttribute("data-md-color-primary", palette.primary);
    if (palette.accent) body.setAttribute("data-md-color-accent", palette.accent);
  }

  var active = initial();
  var color = chosen && chosen.color;
  if (active >= 0) {
    apply(palettes[active]);
  } else if (color && color.scheme) {
    apply(color);
  } else {
    body.setAttribute("data-md-color-scheme", systemScheme());
  }

  function setUpSwitch() {
    var button = document.querySelector("button[data-pkb-palette-switch]");
    if (!button || active < 0) return;
    var icons = button.querySelectorAll("[data-pkb-palette-icon]");
    function show() {
      button.setAttribute("aria-label", palettes[active].name);
      button.setAttribute("title", palettes[active].name);
      for (var i = 0; i < icons.length; i++) icons[i].hidden = i !== active;
    }
    button.addEventListener("click", function () {
      active = (active + 1) % palettes.length;
      var palette = palettes[active];
      apply(palette);
      try {
        localStorage.setItem(key, JSON.stringify({index: active, color: {media: palette.media, scheme: palette.scheme, primary: palette.primary, accent: palette.accent}}));
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
