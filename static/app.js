// Progressive enhancement only: every control works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Filter a hierarchy picker as the user types; ancestors of a match stay visible.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input.filter")) return;
    var list = document.getElementById(input.dataset.list);
    var needle = input.value.trim().toLowerCase();
    list.querySelectorAll("li").forEach(function (item) { item.hidden = needle !== ""; });
    if (needle === "") return;
    list.querySelectorAll("li").forEach(function (item) {
      if (item.dataset.text.indexOf(needle) === -1) return;
      for (var node = item; node && node !== list; node = node.parentElement) {
        if (node.tagName === "LI") node.hidden = false;
      }
      item.querySelectorAll("li").forEach(function (child) { child.hidden = false; });
    });
  });

  // Choosing a whole level ticks every node of that level at once (the server does the same without JS).
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select.level") || select.value === "") return;
    var list = document.getElementById(select.dataset.list);
    list.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      var isLeaf = !box.parentElement.querySelector("ul");
      if (select.value === "leaves" ? isLeaf : box.dataset.level === select.value) box.checked = true;
    });
    var total = list.querySelector("input[value=TOTAL]");
    if (total) total.checked = false;
    select.value = "";
  });

  // Elapsed time of running jobs, counted in the browser (the server never gets polled).
  setInterval(function () {
    document.querySelectorAll(".elapsed[data-started]").forEach(function (span) {
      var seconds = (Date.now() - Date.parse(span.dataset.started)) / 1000;
      if (seconds >= 0) span.textContent = seconds.toFixed(1) + " s";
    });
  }, 200);
})();
