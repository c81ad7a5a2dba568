/* The staff inbox and the inject page, on top of live.js (which applies the pushed pieces).

   Inbox: open items first, the nearest deadline first; what is resolved or cancelled folded
   away with its count; the count of what waits in the tab title and the badge; a short tone
   when an item arrives (mutable, remembered in localStorage). Both pages: every countdown ticks
   towards the deadline the server gave, and an item turns overdue when its time comes. The
   inject page keeps its forms (and what is typed in them): it only hides the acknowledge button
   once acknowledged and disables the forms once the item is closed. */
(function () {
  "use strict";
  if (window.drillopsInbox) return;
  var SOUND_KEY = "drillops.inbox.sound";
  var inbox = window.drillopsInbox = { arrivals: 0, beeps: 0, open: 0 };
  var words = {}, skewMs = 0, baseTitle = document.title, seen = null, audio = null;

  function $(id) { return document.getElementById(id); }

  function readWords() {
    var el = $("inbox-words");
    if (!el) return;
    ["left", "over", "paused", "overdue", "soundOn", "soundOff"].forEach(function (k) {
      words[k] = el.dataset[k] || "";
    });
    var serverNow = Number(el.dataset.now || 0) * 1000;
    if (serverNow) skewMs = serverNow - Date.now();
  }
  function now() { return Date.now() + skewMs; }

  function clock(ms) {
    var s = Math.floor(Math.abs(ms) / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    var ss = ("0" + (s % 60)).slice(-2);
    return h ? h + ":" + ("0" + m).slice(-2) + ":" + ss : m + ":" + ss;
  }

  // --- countdowns and overdue ------------------------------------------------------------------
  function markOverdue(holder) {
    if (!holder || holder.classList.contains("overdue")) return;
    holder.classList.add("overdue");
    var badges = holder.querySelector(".badges");
    if (badges && !badges.querySelector(".badge.overdue")) {
      var badge = document.createElement("span");
      badge.className = "badge overdue";
      badge.textContent = words.overdue;
      badges.appendChild(document.createTextNode(" "));
      badges.appendChild(badge);
    }
  }

  function tick() {
    var t = now();
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
      var holder = el.closest("[data-live-key]");
      var overdueAt = Number(el.dataset.overdueAt || 0);
      if (overdueAt && t >= overdueAt) markOverdue(holder);
      if (el.dataset.paused) { el.textContent = words.paused; el.className = "countdown paused"; return; }
      var left = Number(el.dataset.deadline) - t;
      el.textContent = (left >= 0 ? words.left : words.over).replace("%(time)s", clock(left));
      el.className = "countdown" + (left < 0 ? " late" : left < 60000 ? " soon" : "");
    });
  }

  // --- the inbox ---------------------------------------------------------------------------------
  function key(el, by) {
    var raw = (el.getAttribute("data-sort-" + by) || ":").split(":");
    return [raw[0] === "" ? Infinity : Number(raw[0]), Number(raw[1] || 0)];
  }
  function sortList(list, by, desc) {
    var cards = Array.prototype.slice.call(list.querySelectorAll(":scope > article.inject-card"));
    cards.sort(function (a, b) {
      var x = key(a, by), y = key(b, by), c = x[0] === y[0] ? x[1] - y[1] : (x[0] < y[0] ? -1 : 1);
      return desc ? -c : c;
    });
    cards.forEach(function (card) { list.appendChild(card); });  // appendChild moves: no flicker of inputs
  }

  function arrange() {
    var open = $("inbox-open"), folder = $("inbox-done");
    if (!open || !folder) return;
    var done = folder.querySelector("[data-live-list]");
    open.querySelectorAll(":scope > article.inject-card[data-open='0']").forEach(function (c) { done.appendChild(c); });
    done.querySelectorAll(":scope > article.inject-card[data-open='1']").forEach(function (c) { open.appendChild(c); });
    sortList(open, "deadline", false);
    sortList(done, "delivered", true);
    var waiting = open.querySelectorAll(":scope > article.inject-card");
    var closed = done.querySelectorAll(":scope > article.inject-card").length;
    inbox.open = waiting.length;
    $("inbox-count").textContent = String(waiting.length);
    $("inbox-done-count").textContent = String(closed);
    folder.hidden = closed === 0;
    $("inbox-empty").hidden = waiting.length > 0;
    document.title = (waiting.length ? "(" + waiting.length + ") " : "") + baseTitle;
    var arrived = false, now_ = {};
    waiting.forEach(function (c) {
      var id = c.getAttribute("data-inject-id");
      now_[id] = true;
      if (seen && !seen[id]) arrived = true;
    });
    if (arrived) { inbox.arrivals += 1; beep(); }
    seen = Object.assign(seen || {}, now_);
  }

  // --- the arrival tone (WebAudio: no file to fetch) ----------------------------------------------
  function soundOn() {
    try { return window.localStorage.getItem(SOUND_KEY) !== "off"; } catch (e) { return true; }
  }
  function showSound() {
    var btn = $("inbox-sound");
    if (!btn) return;
    var on = soundOn();
    btn.hidden = false;
    btn.setAttribute("aria-pressed", on ? "true" : "false");
    btn.textContent = on ? words.soundOn : words.soundOff;
  }
  function unlockAudio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    if (!audio) audio = new Ctx();
    if (audio.state === "suspended") audio.resume();
  }
  function beep() {
    if (!soundOn()) return;
    inbox.beeps += 1;
    try {
      unlockAudio();
      if (!audio || audio.state !== "running") return;  // no gesture yet: the browser keeps quiet
      var osc = audio.createOscillator(), gain = audio.createGain(), t = audio.currentTime;
      osc.type = "sine";
      osc.frequency.setValueAtTime(880, t);
      osc.frequency.setValueAtTime(660, t + 0.12);
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.12, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.3);
      osc.connect(gain).connect(audio.destination);
      osc.start(t);
      osc.stop(t + 0.32);
    } catch (e) { /* sound is a courtesy */ }
  }

  // --- the inject page ------------------------------------------------------------------------------
  function detailState() {
    var live = document.querySelector("#live.detail-live");
    if (!live) return;
    var head = live.querySelector('[data-live-key^="detail-"]');
    if (!head) return;
    var ack = $("ack-card");
    if (ack && head.dataset.acked === "1") ack.hidden = true;
    var forms = $("detail-forms"), closed = head.dataset.open === "0";
    if (!forms) return;
    forms.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = closed; });
    var note = $("detail-closed");
    if (note) note.hidden = !closed;
  }

  function onPatch(event) {
    var live = document.querySelector("#live.detail-live");
    if (live) {
      // A change of this inject that came without the page's own piece (the stream did not know
      // this page yet, or a server without inject pages): fetch the part.
      var id = live.dataset.inject, parts = (event.detail && event.detail.parts) || [];
      var mine = parts.some(function (p) { return p.key === "inject-" + id; });
      var drawn = parts.some(function (p) { return p.key === "detail-" + id; });
      if (mine && !drawn && window.drillopsLive && window.drillopsLive.refetch) window.drillopsLive.refetch();
    }
    update();
  }

  function update() { arrange(); detailState(); tick(); }

  document.addEventListener("DOMContentLoaded", function () {
    readWords();
    showSound();
    var btn = $("inbox-sound");
    if (btn) btn.addEventListener("click", function () {
      try { window.localStorage.setItem(SOUND_KEY, soundOn() ? "off" : "on"); } catch (e) { /* private mode */ }
      showSound();
      if (soundOn()) unlockAudio();
    });
    // Browsers allow sound only after a gesture on the page: the first one unlocks it.
    ["pointerdown", "keydown"].forEach(function (type) {
      document.addEventListener(type, function () { if (soundOn()) unlockAudio(); }, { once: true, capture: true });
    });
    update();
    setInterval(tick, 1000);
  });
  document.addEventListener("drillops:live", onPatch);
  document.addEventListener("htmx:afterSettle", update);
}());
