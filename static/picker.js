// Hierarchy pickers for hundreds of nodes, on top of the server's checkboxes (which stay the form's truth).
// Each list becomes one WAI-ARIA tree (one tab stop, roving tabindex): arrows move, Space ticks, typing a
// name jumps to it. The chosen nodes become a toolbar of chips (one tab stop) that untick on press.
// Without this file the same markup works as nested <details> with Find, level and Remove buttons.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var TYPE_AHEAD_MS = 700;  // a pause longer than this starts a new search, as in the APG tree examples

  function items(tree) { return Array.prototype.slice.call(tree.querySelectorAll("li[role=treeitem]")); }
  function box(item) { return item.querySelector(":scope > input[type=checkbox]"); }
  function group(item) { return item.querySelector(":scope > ul"); }
  function parentItem(item) { var up = item.parentElement.closest("li[role=treeitem]"); return up; }
  function nameOf(item) { return item.querySelector(":scope > label .name").textContent; }
  function shown(item) { return item.getClientRects().length > 0; }
  function filteredOut(item) {
    for (var up = item; up; up = parentItem(up)) if (up.hidden) return true;
    return false;
  }
  function visibleItems(tree) { return items(tree).filter(shown); }

  function setExpanded(item, open) {
    if (!group(item)) return;
    item.setAttribute("aria-expanded", open ? "true" : "false");
    group(item).hidden = !open;
  }

  function focusItem(tree, item) {
    items(tree).forEach(function (other) { other.tabIndex = other === item ? 0 : -1; });
    for (var up = parentItem(item); up; up = parentItem(up)) setExpanded(up, true);
    item.focus();
  }

  function sync(picker) {
    var tree = picker.querySelector("ul.tree");
    items(tree).forEach(function (item) { item.setAttribute("aria-checked", box(item).checked ? "true" : "false"); });
    renderChips(picker);
  }

  // Chips: one button per ticked node, in tree order; a toolbar with a roving tabindex.
  function renderChips(picker) {
    var bar = picker.querySelector(".chips"), tree = picker.querySelector("ul.tree");
    var focused = bar.contains(document.activeElement) ? Array.prototype.indexOf.call(bar.querySelectorAll(".chip"), document.activeElement) : -1;
    bar.querySelectorAll(".chip, .chips-none").forEach(function (old) { old.remove(); });
    var chosen = items(tree).filter(function (item) { return box(item).checked; });
    chosen.forEach(function (item, i) {
      var chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip";
      chip.tabIndex = i === 0 ? 0 : -1;
      chip.dataset.box = box(item).id;
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = "Remove ";
      var cross = document.createElement("span");
      cross.setAttribute("aria-hidden", "true");
      cross.textContent = "×";
      chip.append(hidden, nameOf(item) + " ", cross);
      bar.appendChild(chip);
    });
    if (!chosen.length) {
      var none = document.createElement("span");
      none.className = "chips-none";
      none.textContent = "nothing yet";
      bar.appendChild(none);
    }
    var chips = bar.querySelectorAll(".chip");
    if (focused >= 0) {
      if (chips.length) moveChip(bar, chips[Math.min(focused, chips.length - 1)]);
      else focusItem(tree, tree.querySelector("li[tabindex='0']") || visibleItems(tree)[0]);
    }
  }

  function moveChip(bar, chip) {
    bar.querySelectorAll(".chip").forEach(function (other) { other.tabIndex = other === chip ? 0 : -1; });
    chip.focus();
  }

  function tickLevel(picker, level) {
    var tree = picker.querySelector("ul.tree"), added = 0;
    items(tree).forEach(function (item) {
      var depth = Number(item.getAttribute("aria-level")) - 1;
      if ((level === "leaves" ? !group(item) : String(depth) === level) && !box(item).checked) {
        box(item).checked = true;
        added += 1;
      }
    });
    var root = items(tree)[0];
    if (added && root && box(root).value === "TOTAL") box(root).checked = false;  // as the server does
    sync(picker);
  }

  function setUp(picker) {
    if (picker.dataset.ready) return;
    picker.dataset.ready = "1";
    var tree = picker.querySelector("ul.tree"), bar = picker.querySelector(".chips");
    var legend = picker.querySelector("legend");
    tree.setAttribute("role", "tree");
    tree.setAttribute("aria-multiselectable", "true");
    tree.setAttribute("aria-labelledby", legend.id);
    // The <details> around deeper groups only serve browsers without JavaScript: the tree folds itself.
    tree.querySelectorAll("details").forEach(function (details) {
      var list = details.querySelector(":scope > ul");
      list.hidden = !details.open;
      details.replaceWith(list);
    });
    Array.prototype.forEach.call(tree.querySelectorAll("li"), function (item, i) {
      var label = item.querySelector(":scope > label"), input = box(item), list = group(item);
      var level = 1;
      for (var up = item.parentElement.closest("li"); up; up = up.parentElement.closest("li")) level += 1;
      item.setAttribute("role", "treeitem");
      item.setAttribute("aria-level", String(level));
      label.id = label.id || tree.id + "-label-" + i;
      item.setAttribute("aria-labelledby", label.id);
      item.tabIndex = -1;
      input.tabIndex = -1;  // the tree item is the control; its box only shows the state and takes clicks
      input.setAttribute("aria-hidden", "true");
      if (list) {
        list.setAttribute("role", "group");
        item.setAttribute("aria-expanded", list.hidden ? "false" : "true");
        var toggle = document.createElement("span");
        toggle.className = "toggle";
        toggle.setAttribute("aria-hidden", "true");
        item.insertBefore(toggle, item.firstChild);
      }
    });
    var first = tree.querySelector("li[role=treeitem] > input:checked");
    var start = first ? first.parentElement : tree.querySelector("li[role=treeitem]");
    if (start) {
      for (var up = parentItem(start); up; up = parentItem(up)) setExpanded(up, true);
      start.tabIndex = 0;  // APG: entering a multi-select tree lands on the first chosen node
    }
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", bar.dataset.label);
    sync(picker);
  }

  var typed = "", typedAt = 0;

  function typeAhead(tree, current, char) {
    var now = Date.now();
    typed = now - typedAt > TYPE_AHEAD_MS ? char : typed + char;
    typedAt = now;
    var all = items(tree).filter(function (item) { return !filteredOut(item); });
    // search every node, folded or not, from the current one on (from the next for a new first letter)
    var from = all.indexOf(current) + (typed.length === 1 ? 1 : 0);
    var needle = typed.toLowerCase();
    for (var k = 0; k < all.length; k += 1) {
      var item = all[(from + k) % all.length];
      if (nameOf(item).toLowerCase().indexOf(needle) === 0) { focusItem(tree, item); return; }
    }
  }

  function onTreeKey(event, tree) {
    var item = event.target.closest("li[role=treeitem]");
    if (!item || event.target !== item || event.altKey || event.ctrlKey || event.metaKey) return;
    var visible = visibleItems(tree), at = visible.indexOf(item), list = group(item), handled = true;
    switch (event.key) {
      case "ArrowDown": if (at < visible.length - 1) focusItem(tree, visible[at + 1]); break;
      case "ArrowUp": if (at > 0) focusItem(tree, visible[at - 1]); break;
      case "Home": focusItem(tree, visible[0]); break;
      case "End": focusItem(tree, visible[visible.length - 1]); break;
      case "ArrowRight":
        if (list && list.hidden) setExpanded(item, true);
        else if (list) { var child = visibleItems(list)[0]; if (child) focusItem(tree, child); }
        break;
      case "ArrowLeft":
        if (list && !list.hidden) setExpanded(item, false);
        else if (parentItem(item)) focusItem(tree, parentItem(item));
        break;
      case "Enter": {
        // as Enter in a text field submits its form: run the analysis (Space ticks)
        var run = item.closest("form") && item.closest("form").querySelector("#run-analysis");
        if (run) run.click(); else handled = false;
        break;
      }
      case " ":
        box(item).checked = !box(item).checked;
        typed = "";
        sync(item.closest("fieldset.picker"));
        break;
      case "*":
        Array.prototype.forEach.call(item.parentElement.children, function (sibling) { setExpanded(sibling, true); });
        break;
      default:
        if (event.key.length === 1 && event.key.trim()) typeAhead(tree, item, event.key);
        else handled = false;
    }
    if (handled) event.preventDefault();
  }

  function onChipKey(event, bar) {
    var chips = Array.prototype.slice.call(bar.querySelectorAll(".chip")), at = chips.indexOf(event.target);
    if (at < 0) return;
    var go = {ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: chips.length - 1}[event.key];
    if (go !== undefined) {
      moveChip(bar, chips[(go + chips.length) % chips.length]);
      event.preventDefault();
    } else if (event.key === "Delete" || event.key === "Backspace") {
      event.target.click();
      event.preventDefault();
    }
  }

  // The live filter: nodes whose name or code holds the text stay, with their groups (unfolded) and parts.
  function filter(input) {
    var tree = document.getElementById(input.dataset.list), needle = input.value.trim().toLowerCase();
    var all = items(tree);
    all.forEach(function (item) { item.hidden = needle !== ""; });
    if (needle !== "") {
      all.forEach(function (item) {
        if (item.querySelector(":scope > label").textContent.toLowerCase().indexOf(needle) === -1) return;
        for (var up = item; up; up = parentItem(up)) { up.hidden = false; if (up !== item) setExpanded(up, true); }
        item.querySelectorAll("li").forEach(function (part) { part.hidden = false; });
      });
    }
    var current = tree.querySelector("li[tabindex='0']");
    if (!current || !shown(current)) {
      var first = visibleItems(tree)[0];
      all.forEach(function (item) { item.tabIndex = item === first ? 0 : -1; });
    }
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("fieldset.picker input.filter")) filter(event.target);
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target.closest) return;
    var tree = target.closest("ul[role=tree]"), bar = target.closest(".chips[role=toolbar]");
    if (tree) onTreeKey(event, tree);
    else if (bar) onChipKey(event, bar);
    else if (event.key === "Enter" && target.matches("fieldset.picker input.filter")) {
      // the list filters as one types: Enter goes to the first node shown instead of submitting the form
      event.preventDefault();
      var list = document.getElementById(target.dataset.list), first = visibleItems(list)[0];
      if (first) focusItem(list, first);
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) return;
    var picker = target.closest("fieldset.picker[data-ready]");
    if (!picker) return;
    var button = target.closest("button");
    if (button && button.name === "find") { event.preventDefault(); return; }  // the filter is live already
    if (button && button.name === "add_level") {
      event.preventDefault();
      tickLevel(picker, button.value.split(":")[1]);
      return;
    }
    if (button && button.classList.contains("chip")) {
      event.preventDefault();
      document.getElementById(button.dataset.box).checked = false;
      sync(picker);
      return;
    }
    var item = target.closest("li[role=treeitem]");
    if (!item) return;
    var tree = item.closest("ul[role=tree]");
    if (target.classList.contains("toggle")) setExpanded(item, group(item).hidden);
    focusItem(tree, item);
  });

  // A click on a box or its label ticks it (the browser does that); the state and chips follow.
  document.addEventListener("change", function (event) {
    var picker = event.target.closest && event.target.closest("fieldset.picker[data-ready]");
    if (picker && event.target.type === "checkbox") sync(picker);
  });

  // Focus on a box (its label was clicked) belongs to its tree item: the tree keeps one focusable node.
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (target.type === "checkbox" && target.closest("ul[role=tree]")) {
      focusItem(target.closest("ul[role=tree]"), target.parentElement);
    }
  });

  function setUpAll(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("fieldset.picker").forEach(setUp);
    if (root.matches && root.matches("fieldset.picker")) setUp(root);
  }
  document.addEventListener("DOMContentLoaded", function () { setUpAll(document); });
  document.addEventListener("htmx:load", function (event) { setUpAll(event.target); });
})();
