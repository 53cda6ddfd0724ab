/* Rich-text editing for the wizard's prose fields, on the vendored Tiptap bundle.

   The page works without this file: each prose field is a Markdown box. Here, a field the
   server marked data-rich gets an editor with a toolbar instead; the editor's HTML goes to
   the server in a hidden input of the field's name, with rich=<name>, and the server
   sanitises it and stores canonical Markdown. Pasted text from Word, Google Docs or a web
   page keeps paragraphs, bold, italic, lists, links and headings and loses everything else. */
(function () {
  "use strict";

  var Tiptap = window.CharterTiptap;
  if (!Tiptap) { return; }
  // Far beyond any guideline; the clipboard HTML of a long Word document is mostly styling.
  var PASTE_HTML_LIMIT = 4 * 1024 * 1024;
  var isMac = /Mac|iPhone|iPad/.test(navigator.platform || "");
  var mod = isMac ? "Cmd" : "Ctrl";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) { node.textContent = text; }
    return node;
  }

  // --- pasting: keep the structure, drop the rest -------------------------------------------
  var WORD_LIST = /mso-list:\s*l(\d+)\s+level(\d+)/i;
  var ORDERED_MARK = /^\s*(\(?[0-9]+[.)]|\(?[a-zA-Z][.)]|\(?[ivxlcIVXLC]+[.)])\s*$/;

  function wordLists(root) {
    // Word writes list items as paragraphs marked mso-list, with the bullet or number as text
    // in a span marked mso-list:Ignore. Rebuild real lists from runs of such paragraphs.
    var paragraphs = Array.prototype.slice.call(root.querySelectorAll("p"));
    var stack = [];
    var lastItem = null;
    paragraphs.forEach(function (p) {
      var style = p.getAttribute("data-paste-style") || "";
      var match = WORD_LIST.exec(style);
      var isItem = match || /^MsoListParagraph/.test(p.className || "");
      if (!isItem) { stack = []; lastItem = null; return; }
      var level = match ? parseInt(match[2], 10) : 1;
      var marker = "";
      p.querySelectorAll("span").forEach(function (span) {
        if (/mso-list:\s*Ignore/i.test(span.getAttribute("data-paste-style") || "")) {
          marker += span.textContent;
          span.remove();
        }
      });
      var ordered = ORDERED_MARK.test(marker.replace(/\u00a0/g, " ").trim());
      var previous = lastItem && lastItem.nextElementSibling === p ? lastItem : null;
      if (!previous) { stack = []; }
      while (stack.length > level) { stack.pop(); }
      var li = el("li");
      while (p.firstChild) { li.appendChild(p.firstChild); }
      if (stack.length < level) {
        var list = el(ordered ? "ol" : "ul");
        var parentItem = stack.length ? stack[stack.length - 1].lastElementChild : null;
        if (parentItem) { parentItem.appendChild(list); } else { p.parentNode.insertBefore(list, p); }
        while (stack.length < level - 1) { stack.push(list); }
        stack.push(list);
      }
      stack[stack.length - 1].appendChild(li);
      var anchor = el("span");
      p.parentNode.replaceChild(anchor, p);
      lastItem = anchor;
      // The next paragraph must follow the anchor directly to continue this list.
      anchor.setAttribute("data-word-list", "");
    });
    root.querySelectorAll("[data-word-list]").forEach(function (a) { a.remove(); });
  }

  function wrapChildren(doc, node, tag) {
    var wrapper = doc.createElement(tag);
    while (node.firstChild) { wrapper.appendChild(node.firstChild); }
    node.appendChild(wrapper);
  }

  function styledFormatting(doc, body) {
    // Google Docs and many pages say bold and italic with styles. Read them as words, then drop
    // every style attribute: the page's security policy would refuse them anyway.
    body.querySelectorAll("[data-paste-style]").forEach(function (node) {
      var style = (node.getAttribute("data-paste-style") || "").toLowerCase();
      var bold = /font-weight\s*:\s*(bold|bolder|[6-9]00)\b/.test(style);
      var notBold = /font-weight\s*:\s*(normal|[1-5]00)\b/.test(style);
      var italic = /font-style\s*:\s*italic/.test(style);
      var tag = node.tagName;
      node.removeAttribute("data-paste-style");
      if (tag === "B" && notBold) {
        var span = doc.createElement("span");
        while (node.firstChild) { span.appendChild(node.firstChild); }
        node.parentNode.replaceChild(span, node);
        node = span;
        tag = "SPAN";
      }
      if (bold && !/^(B|STRONG|H[1-6])$/.test(tag)) { wrapChildren(doc, node, "strong"); }
      if (italic && !/^(I|EM)$/.test(tag)) { wrapChildren(doc, node, "em"); }
    });
  }

  function cleanPaste(html, headings) {
    // Style attributes are renamed before parsing: even a detached document applies them, and
    // the page's security policy (no inline styles) would refuse each one.
    html = html.replace(/<style[\s\S]*?<\/style\s*>/gi, "").replace(/<[^>]+>/g, function (tag) { return tag.replace(/(\s)style\s*=/gi, "$1data-paste-style="); });
    var doc = new DOMParser().parseFromString(html, "text/html");
    var body = doc.body;
    // Tracked changes and comments: deleted words and comment text are not the document.
    body.querySelectorAll("del, .msoDel, .MsoCommentReference, .msocomanchor, [data-paste-style*='mso-element:comment']").forEach(function (n) { n.remove(); });
    body.querySelectorAll("script, style, img, svg, picture, video, audio, iframe, object, embed, form, input, button, select, textarea, noscript").forEach(function (n) { n.remove(); });
    wordLists(body);
    styledFormatting(doc, body);
    // Headings: the page owns the top levels, so a document's first two levels become the
    // editor's heading and the rest its subheading; where a field has none, paragraphs.
    body.querySelectorAll("h1, h2, h3, h4, h5, h6").forEach(function (h) {
      var level = parseInt(h.tagName.charAt(1), 10);
      var tag = !headings ? "p" : level <= 2 ? "h3" : "h4";
      var replacement = doc.createElement(tag);
      while (h.firstChild) { replacement.appendChild(h.firstChild); }
      h.parentNode.replaceChild(replacement, h);
    });
    return body.innerHTML;
  }

  // --- one editor -----------------------------------------------------------------------------
  function mount(box) {
    var name = box.getAttribute("data-prose-field");
    var limit = parseInt(box.getAttribute("data-limit"), 10) || 20000;
    var headings = box.getAttribute("data-headings") === "true";
    var template = document.getElementById("rich-" + name);
    var textarea = box.querySelector("textarea[name='" + name + "']");
    var label = document.getElementById("label-" + name);
    if (!template || !textarea) { return; }
    var form = textarea.form;

    var wrap = el("div", { "class": "col-12 rich-editor", "data-rich-editor": name });
    var toolbar = el("div", {
      role: "toolbar", "class": "rich-toolbar", "aria-controls": "rich-surface-" + name,
      "aria-label": "Formatting: " + (label ? label.textContent.replace(/\s*\(required\)\s*$/, "").trim() : name)
    });
    var buttons = [
      ["bold", "Bold", mod + "+B"],
      ["italic", "Italic", mod + "+I"],
      ["bulletList", "Bulleted list", mod + "+Shift+8"],
      ["orderedList", "Numbered list", mod + "+Shift+7"]
    ];
    if (headings) {
      buttons.push(["heading3", "Heading", mod + "+Alt+3"]);
      buttons.push(["heading4", "Subheading", mod + "+Alt+4"]);
    }
    buttons.push(["link", "Link", mod + "+K"]);
    buttons.push(["undo", "Undo", mod + "+Z"]);
    buttons.push(["redo", "Redo", mod + "+Shift+Z"]);
    var byName = {};
    buttons.forEach(function (spec, i) {
      var pressable = ["undo", "redo"].indexOf(spec[0]) < 0;
      var button = el("button", {
        type: "button", "class": "btn btn-sm btn-outline-secondary rich-btn rich-btn-" + spec[0],
        "data-command": spec[0], "aria-keyshortcuts": spec[2].replace("Cmd", "Meta").replace("Ctrl", "Control"),
        title: spec[1] + " (" + spec[2] + ")", tabindex: i === 0 ? "0" : "-1"
      }, spec[1]);
      if (pressable && spec[0] !== "link") { button.setAttribute("aria-pressed", "false"); }
      byName[spec[0]] = button;
      toolbar.appendChild(button);
    });

    var linkForm = el("div", { "class": "rich-link-form border rounded p-2 mt-2", hidden: "" });
    var linkLabel = el("label", { "for": "rich-link-" + name, "class": "form-label mb-1" }, "Link address");
    var linkInput = el("input", { type: "url", id: "rich-link-" + name, "class": "form-control form-control-sm", placeholder: "https://", autocomplete: "off" });
    var linkError = el("p", { "class": "invalid-feedback d-block mb-0", id: "rich-link-err-" + name });
    linkInput.setAttribute("aria-describedby", linkError.id);
    var linkActions = el("div", { "class": "d-flex flex-wrap gap-2 mt-2" });
    var applyLink = el("button", { type: "button", "class": "btn btn-sm btn-primary" }, "Apply link");
    var removeLink = el("button", { type: "button", "class": "btn btn-sm btn-outline-secondary" }, "Remove link");
    var cancelLink = el("button", { type: "button", "class": "btn btn-sm btn-outline-secondary" }, "Cancel");
    linkActions.append(applyLink, removeLink, cancelLink);
    linkForm.append(linkLabel, linkInput, linkError, linkActions);

    var surface = el("div", { "class": "rich-surface-wrap" });
    var keys = el("p", { "class": "form-text", id: "rich-keys-" + name },
      "Shortcuts: " + mod + "+B bold, " + mod + "+I italic, " + mod + "+K link, " + mod +
      "+Z undo, " + mod + "+Shift+Z redo. Alt+F10 moves to the formatting buttons.");
    var alert = el("div", { "class": "rich-alert", role: "alert", id: "rich-alert-" + name });
    var announce = el("div", { "class": "visually-hidden", "aria-live": "polite" });
    wrap.append(toolbar, linkForm, surface, alert, keys, announce);

    var carrier = el("input", { type: "hidden", name: name, "data-rich-value": name });
    var flag = el("input", { type: "hidden", name: "rich", value: name });

    function say(text) { announce.textContent = ""; window.setTimeout(function () { announce.textContent = text; }, 30); }
    function refuse(text) { alert.innerHTML = ""; alert.appendChild(el("p", { "class": "mb-0" }, text)); }

    var describedBy = ["help-" + name, keys.id, "err-" + name, alert.id].filter(function (id) {
      return id === keys.id || id === alert.id || document.getElementById(id);
    }).join(" ");

    var editor;
    var changed = false;
    try {
      editor = new Tiptap.Editor({
        element: surface,
        injectCSS: false,
        content: template.innerHTML,
        extensions: [Tiptap.StarterKit.configure({
          blockquote: false, code: false, codeBlock: false, horizontalRule: false, strike: false,
          underline: false, dropcursor: false, gapcursor: false, trailingNode: false,
          heading: headings ? { levels: [3, 4] } : false,
          link: {
            openOnClick: false, autolink: true, linkOnPaste: true, defaultProtocol: "https",
            HTMLAttributes: { target: null, rel: "nofollow noopener" },
            isAllowedUri: function (url) { return /^(https?:\/\/|mailto:)/i.test(url); }
          }
        })],
        editorProps: {
          attributes: {
            id: "rich-surface-" + name, "class": "rich-surface form-control", role: "textbox",
            "aria-multiline": "true", "aria-labelledby": "label-" + name, "aria-describedby": describedBy
          },
          transformPastedHTML: function (html) { return cleanPaste(html, headings); },
          handlePaste: function (view, event) {
            var data = event.clipboardData;
            if (!data) { return false; }
            var text = data.getData("text/plain") || "";
            var html = data.getData("text/html") || "";
            if (text.length > limit || html.length > PASTE_HTML_LIMIT) {
              event.preventDefault();
              var size = Math.max(text.length, html.length);
              refuse("Not pasted: that is " + size.toLocaleString("en") + " characters, and this section holds at most " +
                limit.toLocaleString("en") + ". Your text is unchanged; paste a shorter part.");
              return true;
            }
            alert.innerHTML = "";
            return false;
          },
          handleKeyDown: function (view, event) {
            var key = (event.key || "").toLowerCase();
            if ((event.ctrlKey || event.metaKey) && key === "k") { event.preventDefault(); openLink(); return true; }
            if (event.altKey && event.key === "F10") { event.preventDefault(); focusToolbar(); return true; }
            return false;
          }
        },
        onUpdate: function () { changed = true; sync(true); },
        // Leaving the editor saves at once, as leaving the plain box does ("change").
        onBlur: function () {
          if (!changed) { return; }
          changed = false;
          carrier.dispatchEvent(new Event("change", { bubbles: true }));
        },
        onSelectionUpdate: function () { refresh(); },
        onTransaction: function () { refresh(); }
      });
    } catch (error) {
      return; // the plain box stays
    }

    function sync(edited) {
      var html = editor.isEmpty ? "" : editor.getHTML();
      carrier.value = html;
      if (edited) { carrier.dispatchEvent(new Event("input", { bubbles: true })); }
    }

    function active(command) {
      if (command === "heading3") { return editor.isActive("heading", { level: 3 }); }
      if (command === "heading4") { return editor.isActive("heading", { level: 4 }); }
      return editor.isActive(command);
    }

    function refresh() {
      Object.keys(byName).forEach(function (command) {
        var button = byName[command];
        if (button.hasAttribute("aria-pressed")) { button.setAttribute("aria-pressed", active(command) ? "true" : "false"); }
      });
      byName.undo.disabled = !editor.can().undo();
      byName.redo.disabled = !editor.can().redo();
      // A disabled button cannot hold the toolbar's one tab stop.
      var current = toolbar.querySelector("[tabindex='0']");
      if (current && current.disabled) { current.setAttribute("tabindex", "-1"); byName.bold.setAttribute("tabindex", "0"); }
    }

    var NAMES = { bold: "Bold", italic: "Italic", bulletList: "Bulleted list", orderedList: "Numbered list", heading3: "Heading", heading4: "Subheading" };
    function run(command) {
      var chain = editor.chain().focus();
      if (command === "bold") { chain.toggleBold().run(); }
      else if (command === "italic") { chain.toggleItalic().run(); }
      else if (command === "bulletList") { chain.toggleBulletList().run(); }
      else if (command === "orderedList") { chain.toggleOrderedList().run(); }
      else if (command === "heading3") { chain.toggleHeading({ level: 3 }).run(); }
      else if (command === "heading4") { chain.toggleHeading({ level: 4 }).run(); }
      else if (command === "undo") { chain.undo().run(); say("Undone"); return; }
      else if (command === "redo") { chain.redo().run(); say("Redone"); return; }
      else if (command === "link") { openLink(); return; }
      if (NAMES[command]) { say(NAMES[command] + (active(command) ? " on" : " off")); }
    }

    // --- the link form -----------------------------------------------------------------------
    function openLink() {
      var href = editor.getAttributes("link").href || "";
      linkInput.value = href;
      linkError.textContent = "";
      linkInput.classList.remove("is-invalid");
      removeLink.hidden = !href;
      linkForm.hidden = false;
      linkInput.focus();
    }
    function closeLink() { linkForm.hidden = true; editor.commands.focus(); }
    function address(value) {
      value = value.trim();
      if (!value) { return ""; }
      if (!/^[a-z][a-z0-9+.-]*:/i.test(value)) {
        if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) { return "mailto:" + value; }
        value = "https://" + value;
      }
      return /^(https?:\/\/[^\s]+\.[^\s]+|mailto:[^\s@]+@[^\s@]+)$/i.test(value) ? value : null;
    }
    applyLink.addEventListener("click", function () {
      var href = address(linkInput.value);
      if (href === null) {
        linkError.textContent = "Enter a web address such as https://www.example.org/page, or an e-mail address.";
        linkInput.classList.add("is-invalid");
        linkInput.focus();
        return;
      }
      linkForm.hidden = true;
      var chain = editor.chain().focus().extendMarkRange("link");
      if (!href) { chain.unsetLink().run(); say("Link removed"); return; }
      if (editor.state.selection.empty && !editor.isActive("link")) {
        chain.insertContent({ type: "text", text: href, marks: [{ type: "link", attrs: { href: href } }] }).run();
      } else {
        chain.setLink({ href: href }).run();
      }
      say("Link set to " + href);
    });
    removeLink.addEventListener("click", function () {
      linkForm.hidden = true;
      editor.chain().focus().extendMarkRange("link").unsetLink().run();
      say("Link removed");
    });
    cancelLink.addEventListener("click", closeLink);
    linkForm.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); closeLink(); }
      if (event.key === "Enter" && event.target === linkInput) { event.preventDefault(); applyLink.click(); }
    });

    // --- the toolbar: one tab stop, arrow keys between buttons (WAI-ARIA toolbar) -----------
    function focusToolbar() {
      var current = toolbar.querySelector("[tabindex='0']") || byName.bold;
      current.focus();
    }
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("[data-command]");
      if (button && !button.disabled) { run(button.getAttribute("data-command")); }
    });
    toolbar.addEventListener("keydown", function (event) {
      var pressed = event.target.closest("[data-command]");
      if (pressed && (event.key === "Enter" || event.key === " ")) {
        // Handled here, so the key never reaches the editor that the command focuses.
        event.preventDefault();
        if (!pressed.disabled) { run(pressed.getAttribute("data-command")); }
        return;
      }
      var all = Array.prototype.filter.call(toolbar.querySelectorAll("button"), function (b) { return !b.disabled; });
      var index = all.indexOf(document.activeElement);
      var next = null;
      if (event.key === "ArrowRight") { next = all[(index + 1) % all.length]; }
      else if (event.key === "ArrowLeft") { next = all[(index - 1 + all.length) % all.length]; }
      else if (event.key === "Home") { next = all[0]; }
      else if (event.key === "End") { next = all[all.length - 1]; }
      else if (event.key === "Escape") { event.preventDefault(); editor.commands.focus(); return; }
      if (!next) { return; }
      event.preventDefault();
      toolbar.querySelectorAll("button").forEach(function (b) { b.setAttribute("tabindex", "-1"); });
      next.setAttribute("tabindex", "0");
      next.focus();
    });

    // The Markdown box leaves the form (its text is what the editor shows); the editor's
    // value goes in its place.
    textarea.disabled = true;
    if (label) {
      // The label now names the editor (aria-labelledby); clicking it goes there too.
      label.removeAttribute("for");
      // The hidden Markdown box keeps its name too (checkers read hidden fields as well).
      textarea.setAttribute("aria-labelledby", label.id);
      label.addEventListener("click", function () { editor.commands.focus(); });
    }
    box.querySelectorAll("[data-plain]").forEach(function (part) { part.hidden = true; });
    box.appendChild(wrap);
    box.appendChild(carrier);
    box.appendChild(flag);
    box.setAttribute("data-rich-ready", "");
    sync(false);
    refresh();
    if (form) {
      // A conflict or an error shown by the server keeps the editor's text, not the box's.
      form.addEventListener("submit", function () { sync(false); });
    }
  }

  document.querySelectorAll("[data-prose-field][data-rich]").forEach(mount);
})();
