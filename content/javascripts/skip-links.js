// Skip links ("Skip to content", "Skip to codes") move the keyboard focus to their target.
// Left to the browser, following the fragment fires "popstate", on which Material's instant
// navigation reloads the page's content in place, dropping the focus to the top of the page
// (or not, depending on timing). So a skip link is followed here, before the theme sees the
// click (capture phase): the address gets the fragment, the target is scrolled to and gets the
// focus, and the next Tab goes on from it.
(function () {
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.md-skip, a.pkb-skip-link");
    if (!link || !link.hash || link.pathname !== window.location.pathname) return;
    var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!target) return;
    event.preventDefault();
    event.stopPropagation();
    if (window.location.hash !== link.hash) window.history.pushState(null, "", link.hash);
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.classList.add("pkb-skip-target");
    target.scrollIntoView();
    target.focus({ preventScroll: true });
  }, true);
})();
