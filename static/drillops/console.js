/* The console at a glance: ticks the drill clock and every countdown from the anchors the server
   put in the page (no request per second), marks a copy overdue the moment its deadline passes,
   keeps the attention counts in step, and filters the event cards (overdue, escalated,
   department) in the page itself, so that a filter survives every live update: live.js replaces
   cards, this file applies the filter again to whatever is there. */
(function () {
  "use strict";
  var TICK_MS = 200;
  var filter = "all", department = "";
  var anchor = null, wallFormat = null, wallZone = "";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function hms(total) {
    total = Math.max(0, Math.floor(total));
    return pad(Math.floor(total / 3600)) + ":" + pad(Math.floor(total / 60) % 60) + ":" + pad(total % 60);
  }

  // The clock's anchors, read again whenever a push or a poll replaced the head.
  function readAnchor() {
    var el = document.getElementById("drill-clock");
    if (!el) { anchor = null; return; }
    if (anchor && anchor.el === el) return;
    var d = el.dataset;
    anchor = {
      el: el, seconds: Number(d.scenarioS || 0), serverMs: Number(d.serverMs || Date.now()),
      clientMs: Date.now(), scale: Number(d.scale || 1), ticking: d.ticking === "1",
      pausedMs: d.pausedMs ? Number(d.pausedMs) : null, state: d.state || "", tz: d.tz || ""
    };
    if (anchor.tz !== wallZone) {
      wallZone = anchor.tz;
      try {
        wallFormat = new Intl.DateTimeFormat("en-GB", {
          timeZone: wallZone || undefined, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
      } catch (e) { wallFormat = null; }
    }
  }

  function serverNow() { return anchor.serverMs + (Date.now() - anchor.clientMs); }
  // The instant deadlines are measured against: while paused they stand still at the pause.
  function deadlineNow() { return anchor.pausedMs !== null ? anchor.pausedMs : serverNow(); }
  function counting() { return anchor.state === "running" || anchor.state === "paused"; }

  function tickClock() {
    readAnchor();
    if (!anchor) return;
    var scenario = anchor.seconds + (anchor.ticking ? (Date.now() - anchor.clientMs) / 1000 * anchor.scale : 0);
    var s = document.getElementById("clock-scenario"), w = document.getElementById("clock-wall");
    if (s) s.textContent = "T+" + hms(scenario);
    if (w && wallFormat) w.textContent = wallFormat.format(new Date(serverNow()));
  }

  function tickCountdowns() {
    if (!anchor || !counting()) return;
    var now = deadlineNow();
    $$("[data-countdown-to]").forEach(function (el) {
      var left = (Number(el.getAttribute("data-countdown-to")) - now) / 1000;
      var text = (left < 0 ? "−" : "") + hms(Math.abs(left)).replace(/^00:/, "");
      if (el.textContent !== text) el.textContent = text;
      el.classList.toggle("late", left < 0);
    });
    $$("[data-deadline-ms]").forEach(function (el) {
      if (Number(el.getAttribute("data-deadline-ms")) >= now || el.classList.contains("is-overdue")) return;
      el.classList.add("is-overdue");
      var label = $(".chip-overdue", el);
      if (label) label.hidden = false;
      var card = el.closest("[data-card]");
      if (card) { card.setAttribute("data-overdue", "1"); card.classList.add("is-overdue"); }
    });
  }

  function countAttention() {
    if (!anchor) return;
    var now = deadlineNow();
    var overdue = $$("[data-card] [data-deadline-ms]").filter(function (el) {
      return el.classList.contains("is-overdue") || (counting() && Number(el.getAttribute("data-deadline-ms")) < now);
    }).length;
    var escalated = $$("[data-card] .escalation[data-open='1']").length;
    if (!document.querySelector("[data-card]")) return;  // staff inbox, or nothing yet: keep the server's figures
    $$("[data-count-of=overdue]").forEach(function (el) { el.textContent = String(overdue); });
    $$("[data-count-of=escalated]").forEach(function (el) { el.textContent = String(escalated); });
  }

  function syncDepartments() {
    var select = document.getElementById("filter-department");
    if (!select) return;
    var known = {};
    $$("option", select).forEach(function (o) { known[o.value] = true; });
    $$("[data-card] [data-dept]").forEach(function (el) {
      var id = el.getAttribute("data-dept");
      if (known[id]) return;
      known[id] = true;
      var option = document.createElement("option");
      option.value = id;
      option.textContent = el.getAttribute("data-dept-name") || id;
      select.appendChild(option);
    });
    if (select.value !== department) select.value = department;
  }

  function applyFilter() {
    var shown = 0;
    $$("[data-card]").forEach(function (card) {
      var ok = filter === "all" || card.getAttribute("data-" + filter) === "1";
      if (ok && department) ok = (" " + card.getAttribute("data-departments") + " ").indexOf(" " + department + " ") >= 0;
      card.hidden = !ok;
      if (ok && card.closest("#cards-now")) shown += 1;
    });
    $$("[data-filter]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-filter") === filter));
    });
    var empty = document.getElementById("filter-empty");
    var filtering = filter !== "all" || department !== "";
    if (empty) empty.hidden = !(filtering && shown === 0);
  }

  function refresh() { tickClock(); tickCountdowns(); countAttention(); syncDepartments(); applyFilter(); }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-filter]") : null;
    if (!button) return;
    var wanted = button.getAttribute("data-filter");
    filter = wanted === filter && wanted !== "all" ? "all" : wanted;
    applyFilter();
    var board = document.getElementById("board");
    if (board && button.closest("#attention") && board.scrollIntoView) board.scrollIntoView({ block: "start" });
  });
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "filter-department") {
      department = event.target.value;
      applyFilter();
    }
  });
  document.addEventListener("drillops:live", refresh);
  document.addEventListener("htmx:afterSettle", refresh);
  document.addEventListener("DOMContentLoaded", function () {
    refresh();
    var beats = 0;
    setInterval(function () {
      tickClock();
      beats += 1;
      if (beats % 5 === 0) { tickCountdowns(); countAttention(); applyFilter(); }
    }, TICK_MS);
  });
}());
