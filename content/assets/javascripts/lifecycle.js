/*
 * Time on a policy page: "which revision applied on this date of service?", and notices that
 * stay true after the day the site was built.
 *
 * The page carries its policy's windows as JSON (the data-pkb-timeline attribute of the
 * .pkb-lifecycle block, written
 * by generators/outputs/templates/site/_lifecycle.md from generators.domain.lifecycle): each stored revision's
 * first and last day in effect, where its page is, and the periods the policy was retired.
 * Progressive enhancement: the page is right without this script, as of its build date.
 *
 * - The date-of-service form (hidden until this script runs) answers from the windows.
 * - When the visitor's date is past the effective date of a revision that was upcoming when
 *   the site was built, the notice says that it took effect and links to it.
 *
 * Text reaches the page through textContent only. Material's instant navigation replaces the
 * page without reloading scripts: we subscribe to its `document$`; without it,
 * DOMContentLoaded does it.
 */
(function () {
  "use strict";

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];

  /* "2026-05-15" -> "May 15, 2026", as the pages write dates. */
  function longDate(iso) {
    var parts = iso.split("-");
    return MONTHS[Number(parts[1]) - 1] + " " + Number(parts[2]) + ", " + parts[0];
  }

  /* The visitor's date as YYYY-MM-DD (their own calendar day, not UTC's). */
  function today() {
    var now = new Date();
    var month = String(now.getMonth() + 1).padStart(2, "0");
    var day = String(now.getDate()).padStart(2, "0");
    return now.getFullYear() + "-" + month + "-" + day;
  }

  function retiredOn(data, day) {
    return data.retirements.find(function (r) {
      return r.retired <= day && (r.reinstated === null || day < r.reinstated);
    }) || null;
  }

  /* The window in effect on `day` (ISO strings compare as dates), or null. */
  function windowOn(data, day) {
    if (retiredOn(data, day)) return null;
    return data.windows.find(function (w) {
      return w.in_effect && w.start <= day && (w.end === null || day <= w.end);
    }) || null;
  }

  function link(href, text) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  /* The answer for a date of service, as nodes: which revision, since when, and on what basis. */
  function answer(data, day) {
    var nodes = [];
    var retirement = retiredOn(data, day);
    if (retirement) {
      nodes.push("Policy " + data.policy + " was retired on " + longDate(retirement.retired) +
        ": no revision applied on " + longDate(day) + ".");
      return nodes;
    }
    var found = windowOn(data, day);
    if (!found) {
      var first = data.windows.filter(function (w) { return w.in_effect; })
        .sort(function (a, b) { return a.start < b.start ? -1 : 1; })[0];
      nodes.push("No stored revision applied on " + longDate(day) + (first ?
        ": the first stored revision is in effect from " + first.start_long + "." : "."));
      return nodes;
    }
    nodes.push("On " + longDate(day) + " the revision approved " + found.approved + " applied: ");
    nodes.push(link(found.href, "read it"));
    var span = " (in effect from " + found.start_long +
      (found.end ? " to " + longDate(found.end) : "") + ")";
    if (found.start_basis === "approval_date") {
      span += "; its start is only its committee approval date, because its effective date is not known";
    } else if (found.start_basis === "reinstated") {
      span += "; its start is the day the policy was made active again";
    }
    nodes.push(span + ".");
    if (day > data.as_of) {
      nodes.push(" This site was built for " + longDate(data.as_of) +
        ": a revision approved after that is not shown here.");
    }
    return nodes;
  }

  function setUpDateOfService(container, data) {
    var form = container.querySelector("form.pkb-dos");
    if (!form || form.dataset.ready) return;
    form.dataset.ready = "1";
    var input = form.querySelector("input[type=date]");
    var output = form.querySelector("output");
    form.hidden = false;
    function update() {
      output.replaceChildren();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(input.value)) return;
      answer(data, input.value).forEach(function (node) {
        output.append(node);
      });
    }
    input.addEventListener("change", update);
    input.addEventListener("input", update);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      update();
    });
  }

  /* A notice of an upcoming revision, read after it took effect: say so, and link to it. */
  function updateNotices(container, data, day) {
    if (day <= data.as_of) return;
    container.querySelectorAll(".pkb-upcoming-notice").forEach(function (notice) {
      var effective = notice.dataset.pkbEffective;
      if (!effective || effective > day || notice.dataset.pkbTookEffect) return;
      var revision = notice.dataset.pkbRevision;
      var target = data.windows.find(function (w) { return w.revision === revision; });
      notice.dataset.pkbTookEffect = "1";
      notice.classList.remove("info");
      notice.classList.add("warning", "pkb-upcoming-notice--took-effect");
      var title = notice.querySelector(".admonition-title");
      if (title) title.textContent = "A new revision took effect " + longDate(effective);
      var text = document.createElement("p");
      text.append("This page was built for " + longDate(data.as_of) + ". Since " + longDate(effective) +
        ", the revision approved " + (target ? target.approved : revision) + " applies: ");
      if (target) text.append(link(target.href, "read the revision in effect"));
      text.append(". The text below applied until " + longDate(effective) + ".");
      var old = notice.querySelectorAll("p:not(.admonition-title)");
      old.forEach(function (p) { p.remove(); });
      notice.append(text);
    });
  }

  function init() {
    document.querySelectorAll(".pkb-lifecycle").forEach(function (container) {
      var source = container.getAttribute("data-pkb-timeline");
      if (!source) return;
      var data;
      try {
        data = JSON.parse(source);
      } catch (error) {
        return;
      }
      setUpDateOfService(container, data);
      updateNotices(container, data, today());
    });
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(function () { init(); });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
