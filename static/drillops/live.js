/* Live console: applies the changes the server pushes (server-sent events) to the page without a
   reload; polls the fragment only when the stream cannot be had.

   The stream (#live's data-stream-url) sends `patch` events: {"parts": [{"key", "list"?, "html"}]}.
   A part replaces the element with the same data-live-key, or goes into the data-live-list it
   names, at the place its data-sort-* value gives. Nothing outside those elements is touched,
   so forms being filled in keep what is typed. `refresh` asks for the whole fragment once
   (after a gap); `fallback` and `busy` mean no stream here: poll slowly, try again later. */
(function () {
  "use strict";
  var POLL_MS = 3000;          // the slow poll while the stream is down
  var RETRY_STREAM_MS = 30000; // how often a polling page tries the stream again
  var MAX_ERRORS = 3;          // EventSource reconnects by itself this many times before we poll

  var source = null, errors = 0, pollTimer = null, retryTimer = null, fetching = false;
  var state = window.drillopsLive = { mode: "idle", patches: 0, polls: 0, refreshes: 0 };

  function live() { return document.getElementById("live"); }
  function rev() { var el = live(); return el ? el.getAttribute("data-rev") || "" : ""; }
  function setRev(value) { var el = live(); if (el && value) el.setAttribute("data-rev", value); }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function parse(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    var el = tpl.content.firstElementChild;
    if (!el) return null;
    var token = csrfToken();
    el.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (i) { i.value = token; });
    return el;
  }

  // "1700000000123:42" -> [1700000000123, 42]; no time sorts after every time.
  function sortKey(el, by) {
    var raw = (el.getAttribute("data-sort-" + by) || ":").split(":");
    return [raw[0] === "" ? Infinity : Number(raw[0]), Number(raw[1] || 0)];
  }
  function before(a, b, desc) {
    var c = a[0] === b[0] ? a[1] - b[1] : (a[0] < b[0] ? -1 : 1);
    return desc ? c > 0 : c < 0;
  }

  function insert(list, el) {
    var by = list.getAttribute("data-live-sort-by") || "at";
    var desc = list.getAttribute("data-live-order") === "desc";
    var key = sortKey(el, by), next = null;
    list.querySelectorAll(":scope > [data-live-empty]").forEach(function (e) { e.remove(); });
    for (var child = list.firstElementChild; child; child = child.nextElementSibling) {
      if (child.hasAttribute("data-live-key") && before(key, sortKey(child, by), desc)) { next = child; break; }
    }
    list.insertBefore(el, next);
    var limit = Number(list.getAttribute("data-live-limit") || 0);
    while (limit && list.children.length > limit) list.lastElementChild.remove();
  }

  function apply(part) {
    var el = parse(part.html);
    if (!el) return;
    var root = document;
    var old = root.querySelector('[data-live-key="' + part.key + '"]');
    var home = part.list ? root.querySelector('[data-live-list="' + part.list + '"]') : null;
    if (old && home && old.parentElement !== home) {
      old.remove();  // it changed lists (the console's event that was still to come is delivered)
      insert(home, el);
    } else if (old) {
      old.replaceWith(el);
    } else if (part.list) {
      if (home) insert(home, el);
    }
    if (window.htmx) window.htmx.process(el);
  }

  function onPatch(event) {
    var data = JSON.parse(event.data);
    (data.parts || []).forEach(apply);
    if (event.lastEventId) setRev(event.lastEventId);
    state.patches += 1;
    document.dispatchEvent(new CustomEvent("drillops:live", { detail: data }));
  }

  // The whole fragment (and the comms feed, out of band), unless the revision is unchanged (204).
  function fetchFragment() {
    var el = live();
    if (!el || fetching || !window.htmx) return;
    fetching = true;
    var poll = el.getAttribute("data-poll-url");
    var url = poll + (poll.indexOf("?") < 0 ? "?" : "&") + "rev=" + encodeURIComponent(rev());
    window.htmx.ajax("GET", url, { target: "#live", swap: "outerHTML" }).then(
      function () { fetching = false; }, function () { fetching = false; });
  }

  function onRefresh(event) {
    var jitter = 0;
    try { jitter = JSON.parse(event.data).jitter || 0; } catch (e) { jitter = 0; }
    state.refreshes += 1;
    setTimeout(fetchFragment, jitter);
  }

  function startPolling() {
    state.mode = "polling";
    if (!pollTimer) pollTimer = setInterval(function () { state.polls += 1; fetchFragment(); }, POLL_MS);
    if (!retryTimer) retryTimer = setTimeout(function () { retryTimer = null; connect(); }, RETRY_STREAM_MS);
  }
  function stopPolling() {
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
  }

  function giveUp() {
    if (source) { source.close(); source = null; }
    startPolling();
  }

  function connect() {
    var el = live();
    if (!el || !window.EventSource) { startPolling(); return; }
    if (source) source.close();
    errors = 0;
    state.mode = "connecting";
    var stream = el.getAttribute("data-stream-url");
    source = new EventSource(stream + (stream.indexOf("?") < 0 ? "?" : "&") + "rev=" + encodeURIComponent(rev()));
    source.addEventListener("open", function () {
      errors = 0; state.mode = "stream"; stopPolling();
    });
    source.addEventListener("patch", onPatch);
    source.addEventListener("refresh", onRefresh);
    source.addEventListener("fallback", giveUp);
    source.addEventListener("busy", giveUp);
    source.addEventListener("error", function () {
      // CLOSED: the server refused (not an event stream); else EventSource is reconnecting.
      errors += 1;
      if (!source || source.readyState === EventSource.CLOSED || errors >= MAX_ERRORS) {
        giveUp();
      } else {
        state.mode = "reconnecting";  // the stream's first word says whether anything was missed
      }
    });
  }

  state.refetch = fetchFragment;  // for pages that learn of a change the push did not draw
  document.addEventListener("DOMContentLoaded", connect);
  window.addEventListener("pagehide", function () { if (source) source.close(); });
}());
