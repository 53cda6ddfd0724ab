/* The guideline wizard: table rows edited in place, autosave before leaving, live errors.
   Everything here is an enhancement: without it the form still posts and saves. */
(function () {
  "use strict";

  var form = document.querySelector("[data-wizard-form]");
  if (!form) { return; }
  var dirty = false;
  var leaving = false;
  // Every edit bumps `edits`; a save only clears `dirty` when it carried the latest edit, so an
  // edit made while an earlier save was in flight is never counted as saved.
  var edits = 0;
  var inFlight = 0;

  function showState() {
    form.setAttribute("data-save-state", inFlight > 0 ? "saving" : dirty ? "unsaved" : "saved");
  }
  function edited() { edits += 1; dirty = true; showState(); }

  function flush() { if (window.htmx) { window.htmx.trigger(form, "wizard:flush"); } }

  // --- table rows ---------------------------------------------------------------------------
  function renumber(list) {
    var field = list.getAttribute("data-rows");
    var rows = list.querySelectorAll(":scope > [data-row]");
    rows.forEach(function (row, i) {
      row.querySelectorAll("[data-col]").forEach(function (input) {
        var name = field + "-" + i + "-" + input.getAttribute("data-col");
        var cell = input.parentElement;
        var label = cell.querySelector("label");
        var errors = cell.querySelector(".wizard-errors");
        input.name = name;
        input.id = "id_" + name;
        if (label) { label.htmlFor = input.id; }
        if (errors) { errors.id = "err-" + name; }
        input.setAttribute("aria-describedby", "err-" + name);
      });
      row.querySelectorAll("[data-row-number]").forEach(function (el) { el.textContent = String(i + 1); });
      row.querySelectorAll("[data-row-action]").forEach(function (button) {
        var verb = button.getAttribute("data-row-action");
        button.value = verb + ":" + field + ":" + i;
        var hidden = button.querySelector(".visually-hidden");
        if (hidden) { hidden.textContent = " row " + (i + 1); }
        if (verb === "up") { button.disabled = i === 0; }
        if (verb === "down") { button.disabled = i === rows.length - 1; }
      });
    });
    var empty = document.querySelector("[data-empty='" + field + "']");
    if (empty) { empty.classList.toggle("d-none", rows.length > 0); }
  }

  function changed() {
    edited();
    flush();
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-row-action]");
    if (!button || !form.contains(button)) { return; }
    event.preventDefault();
    var verb = button.getAttribute("data-row-action");
    if (verb === "add") {
      var field = button.getAttribute("data-field");
      var list = form.querySelector("[data-rows='" + field + "']");
      var template = document.getElementById("tpl-" + field);
      var row = template.content.firstElementChild.cloneNode(true);
      list.appendChild(row);
      renumber(list);
      var first = row.querySelector("[data-col]");
      if (first) { first.focus(); }
      return; // an empty row is not worth saving until something is typed in it
    }
    var rowEl = button.closest("[data-row]");
    var listEl = rowEl.parentElement;
    if (verb === "remove") {
      var next = rowEl.nextElementSibling || rowEl.previousElementSibling;
      rowEl.remove();
      renumber(listEl);
      var target = next ? next.querySelector("[data-col]") :
        form.querySelector("[data-row-action='add'][data-field='" + listEl.getAttribute("data-rows") + "']");
      if (target) { target.focus(); }
    } else if (verb === "up" && rowEl.previousElementSibling) {
      listEl.insertBefore(rowEl, rowEl.previousElementSibling);
      renumber(listEl);
      (button.disabled ? rowEl.querySelector("[data-row-action='down']") : button).focus();
    } else if (verb === "down" && rowEl.nextElementSibling) {
      listEl.insertBefore(rowEl.nextElementSibling, rowEl);
      renumber(listEl);
      (button.disabled ? rowEl.querySelector("[data-row-action='up']") : button).focus();
    } else {
      return;
    }
    changed();
  });

  form.querySelectorAll("[data-rows]").forEach(renumber);

  // --- merge after a conflict: the person has seen both texts, so their save may overwrite --
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-accept-revision]");
    if (!button) { return; }
    var revision = document.getElementById("id_revision");
    if (revision) { revision.value = button.getAttribute("data-accept-revision"); }
    leaving = true;
  });

  // --- never lose typing ------------------------------------------------------------------
  form.addEventListener("input", edited);
  form.addEventListener("change", edited);
  form.addEventListener("submit", function () { leaving = true; });

  document.body.addEventListener("htmx:beforeSend", function (event) {
    if (event.detail.elt !== form) { return; }
    event.detail.xhr.charterEdits = edits;  // the form's values are read now, so this is what it carries
    inFlight += 1;
    showState();
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt !== form) { return; }
    inFlight = Math.max(0, inFlight - 1);
    var status = document.getElementById("save-status");
    var failed = !event.detail.successful || (status && status.querySelector("[data-not-saved]"));
    if (!failed && event.detail.xhr && event.detail.xhr.charterEdits === edits) { dirty = false; }
    showState();
  });
  showState();

  // Leaving by a link (progress bar, breadcrumbs): save first, then go.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[href]");
    if (!link || !dirty || event.defaultPrevented || link.target || link.hash && link.pathname === location.pathname) { return; }
    event.preventDefault();
    var go = function () { leaving = true; location.href = link.href; };
    var done = function (e) {
      if (e.detail.elt !== form) { return; }
      document.body.removeEventListener("htmx:afterRequest", done);
      if (!dirty) { go(); }
    };
    document.body.addEventListener("htmx:afterRequest", done);
    flush();
  });

  // Leaving by another form beside the editor (accepting or declining a suggested edit):
  // save the typing first, so the change is made to the text as the person left it.
  document.addEventListener("submit", function (event) {
    var other = event.target;
    if (other === form || !other.hasAttribute("data-save-first") || !dirty || event.defaultPrevented) { return; }
    event.preventDefault();
    var done = function (e) {
      if (e.detail.elt !== form) { return; }
      document.body.removeEventListener("htmx:afterRequest", done);
      if (!dirty) { leaving = true; other.submit(); }
    };
    document.body.addEventListener("htmx:afterRequest", done);
    flush();
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty && !leaving) { event.preventDefault(); event.returnValue = ""; }
  });

  // --- live errors: mark the inputs whose error slot now has messages ----------------------
  document.body.addEventListener("htmx:oobAfterSwap", function (event) {
    var slot = event.detail.target;
    if (!slot || !slot.classList || !slot.classList.contains("wizard-errors")) { return; }
    var invalid = slot.children.length > 0;
    var name = slot.id.replace(/^err-/, "");
    var inputs = form.querySelectorAll("[name='" + name + "']");
    inputs.forEach(function (input) {
      if (input.type === "radio") { return; }
      input.classList.toggle("is-invalid", invalid);
      if (invalid) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    });
  });

  // --- the section list folds away on narrow screens ----------------------------------------
  var progress = document.querySelector("[data-progress]");
  if (progress && window.matchMedia && !window.matchMedia("(min-width: 992px)").matches) {
    progress.open = false;
  }
})();
