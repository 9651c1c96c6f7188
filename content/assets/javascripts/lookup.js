/*
 * Code lookup page: which policy speaks to a CPT, HCPCS or ICD-10-CM code.
 *
 * Reads the small api/v1/codes/index.json (built by `generators.outputs.code_shards`) once, then
 * only the shard a typed code can be in: api/v1/codes/<system>/<prefix>.json, where <prefix>
 * is the first `prefix_length` (3) characters of the code without dot, upper case (C71.3 and
 * c713 -> icd10cm/C71.json; 0611T -> cpt/061.json). Every code that starts with what was typed
 * is in the same shard, so prefix suggestions need no other file. Answers in the browser;
 * there is no server. The site root is found from this script's own URL
 * (<root>/assets/javascripts/lookup.js), so the page works with or without
 * use_directory_urls and at any base path. Material's instant navigation replaces the page
 * without reloading scripts: we subscribe to its `document$` and set the page up again on
 * every navigation; without Material, DOMContentLoaded does it.
 *
 * Every piece of text from the data goes into the page through textContent, never innerHTML.
 */
(function () {
  "use strict";

  var SCRIPT_PATH = "assets/javascripts/lookup.js";
  var INDEX_PATH = "api/v1/codes/index.json";
  var SYSTEM_NAMES = { cpt: "CPT", hcpcs: "HCPCS Level II", icd10cm: "ICD-10-CM" };
  var MAX_PREFIX_MATCHES = 30;
  var ownUrl = document.currentScript ? document.currentScript.src : null;
  var indexPromise = null;
  var shardPromises = {};
  var latestQuery = 0;

  function scriptUrl() {
    if (ownUrl) return ownUrl;
    var script = document.querySelector('script[src*="javascripts/lookup.js"]');
    return script ? script.src : null;
  }

  /* The site root as an absolute URL ending in "/". */
  function siteRoot() {
    var url = scriptUrl();
    var at = url ? url.indexOf(SCRIPT_PATH) : -1;
    if (at >= 0) return url.slice(0, at);
    return new URL("../", document.baseURI).href;
  }

  function fetchJson(path) {
    return fetch(new URL(path, siteRoot()).href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function loadIndex() {
    if (!indexPromise) {
      indexPromise = fetchJson(INDEX_PATH);
      indexPromise.catch(function () {
        indexPromise = null; // let the next navigation try again
      });
    }
    return indexPromise;
  }

  /* A shard's codes as full records: a listing per revision, with the policy's and the revision's facts written out. */
  function shardRecords(shard) {
    return shard.codes.map(function (code) {
      var listings = [];
      code.listings.forEach(function (listing) {
        var policy = shard.policies[listing.policy];
        listing.revisions.forEach(function (date) {
          var revision = policy.revisions[date];
          var meanings = {};
          revision.flags.forEach(function (use) { meanings[use.flag] = use.meaning; });
          var statements = {};
          revision.statements.forEach(function (statement) { statements[statement.id] = statement; });
          listings.push({
            policy: listing.policy,
            policy_title: policy.policy_title,
            revision: date,
            revision_status: revision.revision_status,
            state: revision.state,
            window: revision.window,
            links: revision.links,
            listed_as: listing.listed_as,
            via_range: listing.via_range,
            listed_description: listing.listed_description,
            flags: listing.flags.map(function (flag) { return { flag: flag, meaning: meanings[flag] }; }),
            statements: listing.statements.map(function (id) { return statements[id]; })
          });
        });
      });
      return {
        system: shard.system,
        code: code.code,
        description: code.description,
        description_source: code.description_source,
        listings: listings
      };
    });
  }

  function loadShard(info) {
    if (!shardPromises[info.url]) {
      shardPromises[info.url] = fetchJson(info.url).then(shardRecords);
      shardPromises[info.url].catch(function () {
        delete shardPromises[info.url]; // let the next query try again
      });
    }
    return shardPromises[info.url];
  }

  /* The records of every shard (one per code system at most) a lookup key can be in, in the index's order. */
  function candidates(index, key) {
    if (key.length < index.prefix_length) return Promise.resolve([]);
    var prefix = key.slice(0, index.prefix_length);
    var shards = index.shards.filter(function (info) { return info.prefix === prefix; });
    return Promise.all(shards.map(loadShard)).then(function (lists) {
      return [].concat.apply([], lists);
    });
  }

  /* "c71.3", " C713 " -> "C713": what two spellings of one code share. */
  function lookupKey(text) {
    return String(text).toUpperCase().replace(/[\s.]/g, "");
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  var STATE_ORDER = { in_effect: 0, upcoming: 1, superseded: 2, retired: 3, never_in_effect: 4 };

  function stateRank(state) {
    return state in STATE_ORDER ? STATE_ORDER[state] : 9;
  }

  /* Whether a listing's revision was in effect on `day` (YYYY-MM-DD; ISO dates compare as strings). */
  function appliesOn(listing, day) {
    var w = listing.window;
    return w.in_effect && w.start <= day && (w.end === null || day <= w.end);
  }

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

  /* "2026-05-15" -> "May 15, 2026", as the site's pages write dates (generators.text.long_date); independent of the locale and time zone. */
  function longDate(iso) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    return parts ? MONTHS[Number(parts[2]) - 1] + " " + Number(parts[3]) + ", " + parts[1] : iso;
  }

  function windowText(window_) {
    if (!window_.in_effect) return "never in effect";
    var text = "in effect from " + longDate(window_.start) + (window_.end ? " to " + longDate(window_.end) : "");
    if (window_.start_basis === "approval_date") text += " (from the approval date: effective date not known)";
    return text;
  }

  function renderListing(listing, root, day) {
    var item = el("li", "policykb-lookup__listing");
    var state = listing.state.replace(/_/g, " ");
    var link = el("a", null, listing.policy + " " + listing.policy_title + ", revision " + listing.revision + " (" + state + ")");
    // To the code's row (or its range's row) on the revision's page: the rows' ids are
    // "code-" + the code or range as listed (generators/outputs/templates/site/_revision.md).
    link.href = new URL(listing.links.html_url, root).href + "#code-" + encodeURIComponent(listing.listed_as);
    item.appendChild(link);
    item.appendChild(document.createTextNode(" · " + listing.revision_status + ", " + windowText(listing.window)));
    if (day) {
      var applies = appliesOn(listing, day);
      item.classList.add(applies ? "policykb-lookup__listing--applies" : "policykb-lookup__listing--not-then");
      item.appendChild(el("div", "policykb-lookup__on-date",
        applies ? "Applied on the date of service (" + longDate(day) + ")" : "Not in effect on " + longDate(day)));
    }

    var how = el("div", "policykb-lookup__how");
    if (listing.via_range) {
      how.appendChild(el("span", "policykb-lookup__range", "inside range " + listing.via_range));
      how.appendChild(document.createTextNode(" (" + listing.listed_description + ")"));
    } else {
      how.appendChild(el("span", "policykb-lookup__direct", "listed as " + listing.listed_as));
    }
    item.appendChild(how);

    var flags = el("div", "policykb-lookup__flags");
    listing.flags.forEach(function (use) {
      flags.appendChild(el("strong", "policykb-lookup__flag", use.flag));
      flags.appendChild(document.createTextNode(" " + use.meaning + " "));
    });
    if (listing.flags.length === 0) {
      // What an unflagged code means, in words, and where its coverage is said instead.
      flags.appendChild(el("span", "policykb-lookup__no-flag", "No flag"));
      flags.appendChild(document.createTextNode(": listed by the policy without a coverage flag" +
        (listing.statements.length ? "; it belongs to " : ", for the policy as a whole: its statements say when the code is covered")));
    }
    listing.statements.forEach(function (statement, position) {
      if (listing.flags.length === 0 && position > 0) {
        flags.appendChild(document.createTextNode(position === listing.statements.length - 1 ? " and " : ", "));
      }
      flags.appendChild(el("span", "policykb-lookup__statement",
        "statement " + statement.number + " (" + statement.determination.replace(/_/g, " ") + ")"));
    });
    item.appendChild(flags);
    return item;
  }

  function renderRecord(record, root, day) {
    var article = el("article", "policykb-lookup__code");
    article.setAttribute("data-code", record.code);
    article.appendChild(el("h3", null, record.code + " \u2014 " + record.description));
    var source = record.description_source === "code_set" ? "official description" : "description as printed in the policy; format checked only";
    article.appendChild(el("p", "policykb-lookup__system", (SYSTEM_NAMES[record.system] || record.system) + " \u00b7 " + source));
    var list = el("ul");
    // What applies first: the revisions in effect on the date of service (or, without one, on
    // the day the site was built), then upcoming ones, then the rest, newest first.
    record.listings.slice().sort(function (a, b) {
      if (day && appliesOn(a, day) !== appliesOn(b, day)) return appliesOn(a, day) ? -1 : 1;
      var order = stateRank(a.state) - stateRank(b.state);
      if (order) return order;
      return a.revision < b.revision ? 1 : a.revision > b.revision ? -1 : 0;
    }).forEach(function (listing) {
      list.appendChild(renderListing(listing, root, day));
    });
    article.appendChild(list);
    return article;
  }

  /* The date of service typed, YYYY-MM-DD, or null. */
  function dateOfService() {
    var input = document.getElementById("code-lookup-date");
    return input && /^\d{4}-\d{2}-\d{2}$/.test(input.value) ? input.value : null;
  }

  function show(container, status, index, query) {
    var root = siteRoot();
    var asked = ++latestQuery;
    var key = lookupKey(query);
    if (!key) {
      container.replaceChildren();
      status.textContent = "Type a code, e.g. C71.3, c713 or 0611T.";
      return;
    }
    candidates(index, key).then(function (records) {
      if (asked !== latestQuery) return; // a later query answered or will answer
      showRecords(container, status, index, query, key, records, root);
    }, function (error) {
      if (asked !== latestQuery) return;
      container.replaceChildren();
      status.textContent = "The code index could not be loaded (" + error.message + ").";
    });
  }

  function showRecords(container, status, index, query, key, records, root) {
    container.replaceChildren();
    var exact = records.filter(function (record) { return lookupKey(record.code) === key; });
    if (exact.length) {
      status.textContent = exact.length === 1 ? "1 code found." : exact.length + " codes found.";
      var day = dateOfService();
      exact.forEach(function (record) { container.appendChild(renderRecord(record, root, day)); });
      return;
    }
    var prefixed = records.filter(function (record) { return lookupKey(record.code).indexOf(key) === 0; });
    if (!prefixed.length) {
      status.textContent = "No policy lists the code " + query.trim() + ".";
      return;
    }
    status.textContent = "No policy lists " + query.trim() + " itself; listed codes starting with it:";
    var list = el("ul", "policykb-lookup__prefix");
    prefixed.slice(0, MAX_PREFIX_MATCHES).forEach(function (record) {
      var button = el("button", "md-button policykb-lookup__pick", record.code);
      button.type = "button";
      button.title = record.description;
      button.addEventListener("click", function () {
        var input = document.getElementById("code-lookup-input");
        if (input) input.value = record.code;
        show(container, status, index, record.code);
      });
      var item = el("li");
      item.appendChild(button);
      item.appendChild(document.createTextNode(" " + record.description));
      list.appendChild(item);
    });
    container.appendChild(list);
  }

  function init() {
    var page = document.getElementById("code-lookup-tool");
    if (!page || page.getAttribute("data-ready") === "true") return;
    page.setAttribute("data-ready", "true");
    var form = document.getElementById("code-lookup-form");
    var input = document.getElementById("code-lookup-input");
    var status = document.getElementById("code-lookup-status");
    var results = document.getElementById("code-lookup-results");
    var root = siteRoot();
    Array.prototype.forEach.call(page.querySelectorAll("a[data-site-path]"), function (link) {
      link.href = new URL(link.getAttribute("data-site-path"), root).href;
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    status.textContent = "Loading the code index\u2026";
    loadIndex().then(function (index) {
      if (!document.body.contains(page)) return; // navigated away meanwhile
      var update = function () { show(results, status, index, input.value); };
      input.addEventListener("input", update);
      var date = document.getElementById("code-lookup-date");
      if (date) {
        date.addEventListener("input", update);
        date.addEventListener("change", update);
      }
      var asked = new URLSearchParams(window.location.search).get("code");
      if (asked && !input.value) input.value = asked;
      update();
    }, function (error) {
      status.textContent = "The code index could not be loaded (" + error.message + ").";
    });
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(function () { init(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
