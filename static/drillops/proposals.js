/* Proposed findings: a refused accept or drop answers 400 (or 409) with the fragment again and the
   problem named in it; let htmx swap that in like a 200. The fragment loads this file, so it runs
   on whichever page includes the fragment; the flag keeps it to one listener per page. */
(function () {
  "use strict";
  if (window.drillopsProposals) { return; }
  window.drillopsProposals = true;
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var status = evt.detail.xhr.status;
    if ((status === 400 || status === 409) && evt.detail.elt.closest("[data-proposals]")) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });
})();
