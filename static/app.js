// Progressive enhancement only: every control works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // A run puts its query's URL in the address bar (HX-Push-Url, app/pages.py). Back and forward load that
  // URL again, and the server fills the form from it: htmx's own snapshot of the page would hold the form
  // as it was first rendered, not as it was at that step.
  if (window.htmx) {
    htmx.config.historyCacheSize = 0;
    htmx.config.refreshOnHistoryMiss = true;
  }

  // The status region: one element, whose text says each state of a job once, in order, whichever of
  // the socket and the submit's response brings it first (app/realtime/feed.py unsaid). Each message
  // stays DWELL ms, so that a screen reader has the time to say it.
  var region = document.getElementById("announce");
  var STATE_ORDER = {queued: 0, running: 1, done: 2, failed: 2, deleted: 3};
  var DWELL = 1000;
  var heard = {}, waiting = [], speaking = false;
  function speakNext() {
    speaking = waiting.length > 0;
    if (!speaking) return;
    region.textContent = waiting.shift();
    setTimeout(speakNext, DWELL);
  }
  function say(words) {
    if (!words || !region) return;
    waiting.push(words);
    if (!speaking) speakNext();
  }
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var detail = event.detail;
    if (!detail.target || detail.target.id !== "announce") return;
    detail.shouldSwap = false;  // text only, through say()
    var message = detail.fragment && detail.fragment.firstElementChild;
    var words = detail.fragment ? detail.fragment.textContent.replace(/\s+/g, " ").trim() : "";
    if (message && message.dataset && message.dataset.job) {
      var job = message.dataset.job, order = STATE_ORDER[message.dataset.state];
      if (job in heard && heard[job] >= order) return;
      heard[job] = order;
      if (message.dataset.state === "deleted") focusAfterDelete();
    }
    say(words);
  });

  // The socket may replace a block that holds the focus (the queue list after a delete): the focus
  // then goes to the same control of the same row in the new block, not to the page's body.
  var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
  var kept = null;
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target, now = document.activeElement;
    kept = null;
    if (!target || !now || now === document.body || !target.contains(now)) return;
    var holder = now.id ? now : now.parentElement.closest("[id]");
    kept = {id: holder.id, index: Array.prototype.indexOf.call(holder.querySelectorAll(FOCUSABLE), now)};
  });
  // A request that opens a panel (data-opens): its answer may come over the socket before the request's own
  // response, swapping out the element that asked, so that htmx's afterRequest no longer reaches the page.
  var opening = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = (event.detail.requestConfig && event.detail.requestConfig.elt) || event.detail.elt;
    opening = elt && elt.dataset && elt.dataset.opens ? elt.dataset.opens : null;
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    var lost = !document.activeElement || document.activeElement === document.body;
    if (opening && lost && !kept) {
      focus(document.getElementById(opening + "-heading"));
      opening = null;
      return;
    }
    if (!kept || document.body.contains(document.activeElement) && document.activeElement !== document.body) return;
    var holder = document.getElementById(kept.id);
    var again = holder && (kept.index < 0 ? holder : holder.querySelectorAll(FOCUSABLE)[kept.index]);
    kept = null;
    if (again) again.focus();
  });

  function focus(element) {
    if (!element) return false;
    if (!element.hasAttribute("tabindex") && !element.matches("a[href], button, input, select, textarea, summary")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
    return true;
  }

  // Before a delete: the row to focus afterwards (the next, else the one before, else the heading);
  // its cue is the "deleted" message (the socket may have replaced the list and the form meanwhile).
  var afterDelete;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form.delete-job")) return;
    var row = form.closest("li.job");
    var neighbour = row && (row.nextElementSibling || row.previousElementSibling);
    afterDelete = neighbour && neighbour.matches("li.job") ? neighbour.id : null;
  });
  function focusAfterDelete() {
    if (afterDelete === undefined) return;
    var row = afterDelete && document.getElementById(afterDelete);
    afterDelete = undefined;
    focus(row ? row.querySelector("a") : document.getElementById("queue-heading"));
  }

  // After an update a person asked for, focus goes where the new content starts (htmx sends this
  // event once the response is swapped in, from the nearest element still in the page).
  document.addEventListener("htmx:afterRequest", function (event) {
    // requestConfig.elt: the element that asked, even once swapped out (detail.elt is then its ancestor)
    var config = event.detail.requestConfig, xhr = event.detail.xhr;
    var elt = (config && config.elt) || event.detail.elt;
    if (!elt.matches || !xhr) return;
    if (xhr.status === 422) {
      focus(document.querySelector("#query-form .error-summary, #scenario-builder .error-summary"));
    } else if (!event.detail.successful) {
      return;
    } else if (elt.id === "query-form") {
      var fold = document.getElementById("query-fold") || makeFold();
      if (fold && fold.open) {
        fold.open = false;  // the form folds to its one line after a run, as on a fresh page
        focus(fold.querySelector("summary"));
      }
    } else if (elt.dataset.opens) {
      opening = null;
      focus(document.getElementById(elt.dataset.opens + "-heading"));
    } else if (elt.dataset.focusKey) {
      var old = elt.closest(".panel"), panel = old && document.getElementById(old.id);
      focus(panel && (panel.querySelector('[data-focus-key="' + elt.dataset.focusKey + '"]') ||
                      panel.querySelector("h2")));
    } else if (elt.closest("#queue") || elt.id === "queue") {
      focus(document.getElementById("queue-heading"));  // "Delete all"
    }
  });

  // The first run on a fresh page: the form gets the fold that the server renders once there is a result.
  function makeFold() {
    var forms = document.getElementById("query-forms");
    if (!forms) return null;
    var fold = document.createElement("details"), summary = document.createElement("summary");
    var opened = document.createElement("span"), closed = document.createElement("span");
    fold.className = "query-fold";
    fold.id = "query-fold";
    fold.open = true;
    opened.className = "fold-open";
    opened.textContent = "New analysis";
    closed.className = "fold-closed";
    closed.textContent = "Change the query";
    summary.appendChild(opened);
    summary.appendChild(closed);
    fold.appendChild(summary);
    forms.parentNode.insertBefore(fold, forms);
    fold.appendChild(forms);
    return fold;
  }

  // "Skip to Run analysis" opens the folded query form first.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href="#run-analysis"]');
    var fold = document.getElementById("query-fold");
    if (link && fold) fold.open = true;
  });

  // A confirmation (a scenario saved) takes the focus once, so that it is heard first.
  document.addEventListener("DOMContentLoaded", function () {
    focus(document.querySelector("[data-focus-on-load]"));
  });

  // Elapsed time of running jobs, counted in the browser (the server never gets polled).
  setInterval(function () {
    document.querySelectorAll(".elapsed[data-started]").forEach(function (span) {
      var seconds = (Date.now() - Date.parse(span.dataset.started)) / 1000;
      if (seconds >= 0) span.textContent = seconds.toFixed(1) + " s";
    });
  }, 200);
})();
