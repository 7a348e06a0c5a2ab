// Progressive enhancement only: every control works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Elapsed time of running jobs, counted in the browser (the server never gets polled).
  setInterval(function () {
    document.querySelectorAll(".elapsed[data-started]").forEach(function (span) {
      var seconds = (Date.now() - Date.parse(span.dataset.started)) / 1000;
      if (seconds >= 0) span.textContent = seconds.toFixed(1) + " s";
    });
  }, 200);
})();
