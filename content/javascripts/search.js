// The header search box (partials/pkb-search.html) over the Pagefind bundle that `policykb build`
// writes into pagefind/ (generators/outputs/search.py). Nothing of the index is fetched before the box
// is used: Pagefind's script, its WebAssembly and the index chunks load on the first focus or
// key, and each search fetches only the chunks of the words typed. "/" focuses the box; Escape
// closes it. A result shows the policy's number and title, then the sections that matched,
// each linking to the nearest anchor before the match (a code's row, a criterion, a guideline).
// The extracts of five results are fetched at first (each is a request), five more on demand.
// A query with no match is tried again with its words shortened by up to three letters, so
// a typo near the end of a word ("gliomma", "spectroscpy") still finds the page; then with one
// slip undone in the first four letters of a word, where Pagefind's prefix matching cannot
// help: two neighbouring letters swapped ("siezures") or one letter too many ("ghlioma").
(function () {
  "use strict";
  var box = document.querySelector(".pkb-search");
  var toggle = document.getElementById("__search");
  if (!box || !toggle) return;
  var input = box.querySelector(".md-search__input");
  var form = box.querySelector(".md-search__form");
  var meta = box.querySelector(".md-search-result__meta");
  var list = box.querySelector(".md-search-result__list");
  // Resolved once: Material's instant navigation changes the address but not the header.
  var bundle = new URL(box.getAttribute("data-pkb-search-bundle"), document.baseURI).href;
  var siteRoot = new URL("..", bundle).pathname;
  var PAGE_SIZE = 5;
  var MAX_SECTIONS = 3;
  var MAX_SLIPS = 16;
  var PROMPT = meta.textContent;
  var loading = null;
  var latest = 0;

  // A large library is indexed in several bundles (generators/outputs/search.py): bundles.json
  // lists those to merge into the first one; Pagefind searches them as one index.
  function others() {
    return fetch(new URL("bundles.json", bundle).href).then(function (response) {
      return response.ok ? response.json() : { merge: [] };
    }).then(function (manifest) { return manifest.merge || []; }, function () { return []; });
  }

  function load() {
    if (!loading) {
      var merge = others();
      loading = import(bundle).then(function (pagefind) {
        // termSimilarity 3 (Pagefind's default 1): a word typed whole outranks longer words it
        // begins, so policy 1.01.56 comes before 10.15.62 (Pagefind indexes "10156" and "101562").
        var options = { baseUrl: siteRoot, excerptLength: 24, ranking: { termSimilarity: 3 } };
        return pagefind.options(options).then(function () {
          return pagefind.init();
        }).then(function () { return merge; }).then(function (parts) {
          return Promise.all(parts.map(function (part) {
            return pagefind.mergeIndex(new URL(part, bundle).href, options);
          }));
        }).then(function () { return pagefind; });
      });
    }
    return loading;
  }

  // On a small screen the open box covers the page, which must not scroll or widen beneath it:
  // Material's script fixes the body there (body[data-md-scrolllock], at the scroll offset).
  // The standalone pages load no theme script, so the box does it for them.
  var lockHere = document.body.classList.contains("pkb-standalone");
  var smallScreen = window.matchMedia("(max-width: 59.984375em)");

  function lock(on) {
    var body = document.body;
    if (!lockHere || on === body.hasAttribute("data-md-scrolllock")) return;
    if (on && smallScreen.matches) {
      body.style.top = "-" + window.scrollY + "px";
      body.setAttribute("data-md-scrolllock", "");
    } else if (!on) {
      var offset = -parseInt(body.style.top || "0", 10);
      body.removeAttribute("data-md-scrolllock");
      body.style.top = "";
      window.scrollTo(0, offset);
    }
  }

  function open() {
    toggle.checked = true;
    lock(true);
    load();
  }

  function close() {
    toggle.checked = false;
    lock(false);
    input.blur();
  }

  // The deepest element with an id at or before the first matched word of a section.
  function target(data, section) {
    var first = section.locations && section.locations.length ? Math.min.apply(null, section.locations) : null;
    var start = section.anchor ? section.anchor.location : 0;
    var best = section.anchor || null;
    if (first !== null) {
      data.anchors.forEach(function (anchor) {
        if (anchor.id && anchor.location >= start && anchor.location <= first && (!best || anchor.location >= best.location)) best = anchor;
      });
    }
    return best && best.id ? data.url.split("#")[0] + "#" + best.id : section.url;
  }

  function element(tag, className, html) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (html !== undefined) node.innerHTML = html;
    return node;
  }

  function text(value) {
    var node = document.createElement("span");
    node.textContent = value;
    return node.innerHTML;
  }

  function summary(total, note) {
    return (total === 0 ? "No matching policy" : total === 1 ? "1 matching policy" : total + " matching policies") + (note || "");
  }

  // Show the next results of `found` (their extracts fetched now), with a button for more if any;
  // with a `heading`, replace the results shown (a new search) once the extracts are in.
  function more(found, ticket, heading) {
    var shown = heading === undefined ? list.querySelectorAll(".pkb-search-result").length : 0;
    var next = found.search.results.slice(shown, shown + PAGE_SIZE);
    return Promise.all(next.map(function (result) { return result.data(); })).then(function (results) {
      if (ticket !== latest) return;
      if (heading !== undefined) {
        list.textContent = "";
        meta.textContent = heading;
      }
      var button = list.querySelector(".pkb-search-more");
      if (button) button.remove();
      append(results);
      var remaining = found.search.results.length - shown - results.length;
      if (remaining > 0) {
        var item = element("li", "md-search-result__item pkb-search-more");
        var show = element("button", "md-button");
        show.type = "button";
        show.textContent = "Show " + Math.min(PAGE_SIZE, remaining) + " more of " + remaining;
        show.addEventListener("click", function () { more(found, ticket); });
        item.appendChild(show);
        list.appendChild(item);
      }
    });
  }

  function append(results) {
    results.forEach(function (data) {
      var item = element("li", "md-search-result__item pkb-search-result");
      var page = element("a", "md-search-result__link");
      page.href = data.url;
      var article = element("article", "md-search-result__article md-typeset");
      var sections = data.sub_results.filter(function (section) { return section.anchor; }).slice(0, MAX_SECTIONS);
      article.appendChild(element("h1", null, text(data.meta.title || data.url)));
      if (sections.length === 0) article.appendChild(element("p", null, data.excerpt));
      page.appendChild(article);
      item.appendChild(page);
      sections.forEach(function (section) {
        var link = element("a", "md-search-result__link pkb-search-result__section");
        link.href = target(data, section);
        var inner = element("article", "md-search-result__article md-typeset");
        inner.appendChild(element("h2", null, text(section.title)));
        inner.appendChild(element("p", null, section.excerpt));
        link.appendChild(inner);
        item.appendChild(link);
      });
      list.appendChild(item);
    });
  }

  // The query with each word of five letters or more shortened by `cut` letters (kept to four at least).
  function shortened(query, cut) {
    return query.split(/\s+/).map(function (word) {
      return word.length >= 5 ? word.slice(0, Math.max(4, word.length - cut)) : word;
    }).join(" ");
  }

  // The fallbacks of a query without results, one search at a time (each fetches its index
  // chunks), abandoned as soon as a key makes the search `ticket` stale.
  function run(pagefind, query, cut, ticket) {
    var tried = shortened(query, cut);
    if (ticket !== latest) return Promise.resolve(null);
    if (tried === shortened(query, cut - 1)) return retry(pagefind, slips(query), 0, ticket);
    return pagefind.search(tried).then(function (search) {
      if (search.results.length > 0) return { search: search, tried: tried + "\u2026" };
      return cut < 3 ? run(pagefind, query, cut + 1, ticket) : retry(pagefind, slips(query), 0, ticket);
    });
  }

  // The query with one slip undone in the first four letters of one of its words of five letters
  // or more, without digits: two neighbouring letters swapped back, or one letter left out; at most MAX_SLIPS.
  function slips(query) {
    var words = query.split(/\s+/);
    var found = [];
    words.forEach(function (word, index) {
      if (word.length < 5 || /[0-9]/.test(word)) return;  // a code or a number is typed as read, not misspelt
      for (var i = 0; i < 4; i++) {
        [word.slice(0, i) + word.charAt(i + 1) + word.charAt(i) + word.slice(i + 2), word.slice(0, i) + word.slice(i + 1)].forEach(function (variant) {
          var tried = words.slice(0, index).concat([variant], words.slice(index + 1)).join(" ");
          if (variant !== word && found.indexOf(tried) < 0) found.push(tried);
        });
      }
    });
    return found.slice(0, MAX_SLIPS);
  }

  // The first of `queries` from `start` on with results, or null.
  function retry(pagefind, queries, start, ticket) {
    if (start >= queries.length || ticket !== latest) return Promise.resolve(null);
    return pagefind.search(queries[start]).then(function (search) {
      return search.results.length > 0 ? { search: search, tried: queries[start] } : retry(pagefind, queries, start + 1, ticket);
    });
  }

  function search() {
    var query = input.value.trim();
    var ticket = ++latest;
    if (!query) {
      list.textContent = "";
      meta.textContent = PROMPT;
      return;
    }
    load().then(function (pagefind) {
      return pagefind.debouncedSearch(query, {}, 80).then(function (first) {
        if (first === null || ticket !== latest) return null;
        if (first.results.length > 0) return { search: first, tried: query };
        return run(pagefind, query, 1, ticket);
      });
    }).then(function (found) {
      if (ticket !== latest) return null;
      if (!found || found.search.results.length === 0) {
        list.textContent = "";
        meta.textContent = summary(0);
        return null;
      }
      var note = found.tried !== query ? " for \u201c" + found.tried + "\u201d (no exact match for \u201c" + query + "\u201d)" : "";
      return more(found, ticket, summary(found.search.results.length, note));
    }).catch(function () {
      if (ticket === latest) meta.textContent = "Search is not available on this copy of the site";
    });
  }

  input.addEventListener("focus", open);
  input.addEventListener("input", search);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var first = list.querySelector("a");
    if (first) first.click();
  });
  form.addEventListener("reset", function () {
    window.setTimeout(function () { search(); input.focus(); }, 0);
  });
  list.addEventListener("click", function (event) {
    if (event.target.closest("a")) close();
  });
  toggle.addEventListener("change", function () {
    lock(toggle.checked);
    if (toggle.checked) { load(); input.focus(); }
  });
  document.addEventListener("keydown", function (event) {
    var field = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
    if (event.key === "/" && !field && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      open();
      input.focus();
    } else if (event.key === "Escape" && toggle.checked) {
      close();
    }
  });
})();
