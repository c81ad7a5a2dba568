// The progress bar of a report export built in the background (templates/reports/export_progress.html):
// polls the job's status every second and offers the file when it is done. No inline script (CSP).
(function () {
  "use strict";
  function start(box) {
    var url = box.getAttribute("data-status-url");
    var bar = box.querySelector("[data-export-progress]");
    var percent = box.querySelector("[data-export-percent]");
    var done = box.querySelector("[data-export-done]");
    var failed = box.querySelector("[data-export-failed]");
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          bar.value = job.progress;
          bar.textContent = job.progress + " %";
          percent.textContent = job.progress + " %";
          if (job.status === "done") {
            done.hidden = false;
            box.querySelector("[data-export-building]").hidden = true;
            box.querySelector("[data-export-ready]").hidden = false;
            box.setAttribute("data-state", "done");
          } else if (job.status === "failed") {
            failed.textContent = job.message || "";
            failed.hidden = false;
            box.setAttribute("data-state", "failed");
          } else {
            setTimeout(poll, 1000);
          }
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    poll();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-export-job]").forEach(start);
  });
})();
