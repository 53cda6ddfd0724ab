// Publish form: show the due date and staff groups when acknowledgement is required,
// and the reason for skipping it when it is not.
(function () {
  "use strict";
  var box = document.getElementById("id_requires_acknowledgement");
  if (!box) return;
  function wrapper(id) {
    var el = document.getElementById(id);
    return el ? el.closest(".mb-3") || el.parentElement : null;
  }
  var ackOnly = [wrapper("div_id_due_date"), wrapper("div_id_target_groups")];
  var skipOnly = [wrapper("div_id_skip_reason")];
  function toggle(list, show) {
    list.forEach(function (el) { if (el) el.hidden = !show; });
  }
  function update() {
    toggle(ackOnly, box.checked);
    toggle(skipOnly, !box.checked);
  }
  box.addEventListener("change", update);
  update();
})();
