/* Scenario editor: what htmx does not do by itself. No inline script anywhere (CSP).
   1. A refused row form answers 400 with the form again (values kept, messages beside the
      fields): let htmx swap it in like a 200.
   2. Rows can be dragged by their handle; the new order is posted to the reorder route.
      Keyboard: focus a handle and press ArrowUp / ArrowDown (the ↑ / ↓ buttons do the same). */
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var status = evt.detail.xhr.status;
    if (status === 400 && evt.detail.elt.closest("[data-editor]")) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });

  var dragged = null;

  function body() { return document.getElementById("events"); }

  function postOrder() {
    var tbody = body();
    if (!tbody || !window.htmx) { return; }
    var ids = Array.prototype.map.call(tbody.querySelectorAll("tr.event-row"), function (row) {
      return row.getAttribute("data-event-id");
    });
    window.htmx.ajax("POST", tbody.getAttribute("data-reorder-url"), {
      source: tbody, target: "#events", swap: "outerHTML", values: { order: ids.join(",") }
    });
  }

  document.addEventListener("dragstart", function (evt) {
    var handle = evt.target.closest && evt.target.closest(".drag-handle");
    if (!handle) { return; }
    dragged = handle.closest("tr");
    dragged.classList.add("dragging");
    evt.dataTransfer.effectAllowed = "move";
    evt.dataTransfer.setData("text/plain", dragged.getAttribute("data-event-id"));
    evt.dataTransfer.setDragImage(dragged, 20, 20);
  });

  document.addEventListener("dragover", function (evt) {
    if (!dragged) { return; }
    var row = evt.target.closest && evt.target.closest("tr.event-row");
    if (!row || row === dragged || row.parentNode !== dragged.parentNode) { return; }
    evt.preventDefault();
    var box = row.getBoundingClientRect();
    var after = evt.clientY > box.top + box.height / 2;
    row.parentNode.insertBefore(dragged, after ? row.nextSibling : row);
  });

  document.addEventListener("drop", function (evt) {
    if (dragged) { evt.preventDefault(); }
  });

  document.addEventListener("dragend", function () {
    if (!dragged) { return; }
    dragged.classList.remove("dragging");
    dragged = null;
    postOrder();
  });

  document.addEventListener("keydown", function (evt) {
    var handle = evt.target.closest && evt.target.closest(".drag-handle");
    if (!handle || (evt.key !== "ArrowUp" && evt.key !== "ArrowDown")) { return; }
    evt.preventDefault();
    var row = handle.closest("tr");
    var button = row.querySelector(evt.key === "ArrowUp" ? ".move-up" : ".move-down");
    var id = row.getAttribute("data-event-id");
    if (button) {
      // Keep the focus on the moved row's handle once the table comes back.
      document.addEventListener("htmx:afterSettle", function refocus() {
        document.removeEventListener("htmx:afterSettle", refocus);
        var again = document.querySelector("tr[data-event-id='" + id + "'] .drag-handle");
        if (again) { again.focus(); }
      });
      button.click();
    }
  });
}());
