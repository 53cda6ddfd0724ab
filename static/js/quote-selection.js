/* Selecting words in a section's text, for any feature that acts on exactly those words
   (comments on the words, suggested edits). The page works without this file: each such
   form has a plain "words" field the reader can type or paste into.

   API (all by data attributes; no globals needed):

   - A section's reader text sits in an element marked
       data-quote-section="<section key>"
     Only selections that start and end inside one such element count. Inside it, elements
     marked data-quote-skip (labels added around highlighted words, reference links) are not
     part of the text.

   - The words are measured on the section's "reader text": its text nodes in order, runs of
     whitespace collapsed to one space, block elements (p, li, td, headings…) separated by
     one space, no space at the start or end. The server builds the same text
     (approvals/anchors.py) and checks every quote against it, so offsets here are a hint.

   - When a selection forms or changes, the element dispatches a bubbling CustomEvent
       "quote:selected"  detail {section, quote, prefix, suffix, start, end}
     (prefix/suffix: up to 32 characters of reader text either side; start/end: offsets in
     the reader text), and "quote:cleared" when it goes away.

   - An element marked data-quote-actions="<section key>" (hidden in the HTML) is shown while
     that section has a selection, placed under the selected words (class
     quote-actions-floating, positioned in its offset parent), and a polite live region
     announces the words. Put your feature's buttons inside it.

   - A button marked data-quote-open="<form id>" fills that form with the selection: every
     field marked data-quote-target="quote|prefix|suffix|start|end|section" gets its value.
     The details element around the form is opened, and the first field marked
     data-quote-focus (else the first textarea) gets focus.

   - Keyboard: each data-quote-section element is focusable; inside it, Shift+arrows extend
     the selection by character, Ctrl/Alt+Shift+arrows by word, Shift+Home/End to the line
     edge (a caret is placed at the start on focus), so no caret browsing is needed.
*/
(function () {
  "use strict";

  var CONTEXT = 32;
  var MAX_QUOTE = 1000;
  var BLOCK = /^(P|LI|UL|OL|H[1-6]|DIV|TABLE|THEAD|TBODY|TFOOT|TR|TD|TH|CAPTION|BLOCKQUOTE|PRE|BR|HR|SECTION|DL|DT|DD)$/;
  var SPACE = /\s/;

  var live = document.createElement("div");
  live.className = "visually-hidden";
  live.setAttribute("aria-live", "polite");
  live.setAttribute("data-testid", "quote-announcer");
  document.body.appendChild(live);

  var current = null; // {root, section, quote, prefix, suffix, start, end}

  function announce(text) {
    live.textContent = "";
    // A fresh node each time, so the same words selected twice are read twice.
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function sectionOf(node) {
    var el = node && (node.nodeType === 1 ? node : node.parentElement);
    return el ? el.closest("[data-quote-section]") : null;
  }

  // Whether character ``index`` of a text node lies within the range (both its edges do).
  function inside(range, textNode, index) {
    try {
      return range.comparePoint(textNode, index) === 0 && range.comparePoint(textNode, index + 1) === 0;
    } catch (e) {
      return false;
    }
  }

  // The reader text of root, and the span [start, end) of range within it.
  function measure(root, range) {
    var out = "";
    var pending = false;
    var start = -1;
    var end = -1;
    function visit(node) {
      if (node.nodeType === 3) {
        var data = node.data;
        var hit = range && range.intersectsNode(node);
        for (var i = 0; i < data.length; i++) {
          var ch = data.charAt(i);
          if (SPACE.test(ch)) { pending = true; continue; }
          if (pending && out.length) { out += " "; }
          pending = false;
          if (hit && inside(range, node, i)) {
            if (start < 0) { start = out.length; }
            end = out.length + 1;
          }
          out += ch;
        }
        return;
      }
      if (node.nodeType !== 1 || node.hasAttribute("data-quote-skip")) { return; }
      var block = BLOCK.test(node.nodeName);
      if (block) { pending = true; }
      for (var child = node.firstChild; child; child = child.nextSibling) { visit(child); }
      if (block) { pending = true; }
    }
    for (var child = root.firstChild; child; child = child.nextSibling) { visit(child); }
    return { text: out, start: start, end: end };
  }

  function readSelection() {
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) { return null; }
    var range = sel.getRangeAt(0);
    var root = sectionOf(range.startContainer);
    if (!root || root !== sectionOf(range.endContainer)) { return null; }
    var m = measure(root, range);
    if (m.start < 0 || m.end <= m.start) { return null; }
    var quote = m.text.slice(m.start, m.end).trim();
    if (!quote) { return null; }
    return {
      root: root,
      section: root.getAttribute("data-quote-section"),
      quote: quote.slice(0, MAX_QUOTE),
      prefix: m.text.slice(Math.max(0, m.start - CONTEXT), m.start),
      suffix: m.text.slice(m.end, m.end + CONTEXT),
      start: m.start,
      end: m.end,
      tooLong: quote.length > MAX_QUOTE
    };
  }

  function actionsFor(section) {
    return document.querySelectorAll('[data-quote-actions="' + section + '"]');
  }

  // Shown just under the selected words (the element stays where it is in the page's order,
  // so Tab still reaches it right after the text); its offset parent is the section's box.
  function place(el) {
    var sel = window.getSelection();
    var parent = el.offsetParent;
    if (!sel || !sel.rangeCount || !parent) { return; }
    var rects = sel.getRangeAt(0).getClientRects();
    if (!rects.length) { return; }
    var last = rects[rects.length - 1];
    var box = parent.getBoundingClientRect();
    var left = Math.max(0, Math.min(last.left - box.left, box.width - el.offsetWidth));
    el.classList.add("quote-actions-floating");
    el.style.top = (last.bottom - box.top + 6) + "px";
    el.style.left = left + "px";
  }

  function setActions(section, shown) {
    Array.prototype.forEach.call(actionsFor(section), function (el) {
      el.hidden = !shown;
      if (shown) { place(el); }
    });
  }

  function same(a, b) {
    return a && b && a.root === b.root && a.start === b.start && a.end === b.end;
  }

  function update() {
    var next = readSelection();
    if (same(next, current)) { return; }
    if (current && (!next || next.root !== current.root)) {
      setActions(current.section, false);
      current.root.dispatchEvent(new CustomEvent("quote:cleared", { bubbles: true, detail: { section: current.section } }));
    }
    current = next;
    if (!current) { return; }
    setActions(current.section, true);
    current.root.dispatchEvent(new CustomEvent("quote:selected", {
      bubbles: true,
      detail: {
        section: current.section, quote: current.quote, prefix: current.prefix,
        suffix: current.suffix, start: current.start, end: current.end
      }
    }));
    var words = current.quote.length > 80 ? current.quote.slice(0, 77) + "…" : current.quote;
    announce("Selected “" + words + "”" + (current.tooLong ? " (only the first " + MAX_QUOTE + " characters are used)" : "") + ". Actions on these words follow the text.");
  }

  var timer = null;
  document.addEventListener("selectionchange", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 150);
  });

  function fill(form, data) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-quote-target]"), function (field) {
      var key = field.getAttribute("data-quote-target");
      if (Object.prototype.hasOwnProperty.call(data, key)) {
        field.value = String(data[key]);
        field.dispatchEvent(new Event("input", { bubbles: true }));
      }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-quote-open]");
    if (!button) { return; }
    var form = document.getElementById(button.getAttribute("data-quote-open"));
    var data = current || readSelection();
    if (!form || !data) { return; }
    event.preventDefault();
    fill(form, data);
    var details = form.closest("details");
    if (details) { details.open = true; }
    var focus = form.querySelector("[data-quote-focus]") || form.querySelector("textarea");
    if (focus) { focus.focus(); }
  });

  // --- keyboard selection inside a section, without caret browsing --------------------------
  var KEYS = { ArrowRight: "forward", ArrowLeft: "backward", ArrowDown: "forward", ArrowUp: "backward", End: "forward", Home: "backward" };

  function caretAtStart(root) {
    var sel = window.getSelection();
    if (!sel) { return; }
    if (sel.rangeCount && sectionOf(sel.getRangeAt(0).startContainer) === root) { return; }
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (n) { return n.data.trim() && !n.parentElement.closest("[data-quote-skip]") ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP; }
    });
    var first = walker.nextNode();
    if (!first) { return; }
    var offset = first.data.search(/\S/);
    sel.collapse(first, Math.max(0, offset));
  }

  function keydown(event) {
    var direction = KEYS[event.key];
    if (!direction || event.metaKey) { return; }
    var sel = window.getSelection();
    if (!sel || typeof sel.modify !== "function") { return; }
    if (!sel.rangeCount || sectionOf(sel.getRangeAt(0).startContainer) !== event.currentTarget) {
      caretAtStart(event.currentTarget);
    }
    var granularity = "character";
    if (event.key === "Home" || event.key === "End") { granularity = "lineboundary"; }
    else if (event.key === "ArrowUp" || event.key === "ArrowDown") { granularity = "line"; }
    else if (event.ctrlKey || event.altKey) { granularity = "word"; }
    sel.modify(event.shiftKey ? "extend" : "move", direction, granularity);
    event.preventDefault();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-quote-section]"), function (root) {
    if (!root.hasAttribute("tabindex")) { root.setAttribute("tabindex", "0"); }
    root.addEventListener("focus", function () { caretAtStart(root); });
    root.addEventListener("keydown", keydown);
  });
})();
