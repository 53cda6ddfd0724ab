// Review page: opening a link to a comment or thread opens the section's comment form it
// sits in, and focuses the first field of any form that came back with an error.
(function () {
  var invalid = document.querySelector(".approvals-signoff .alert-danger, .approvals-comments .alert-danger, .is-invalid");
  if (invalid) {
    var details = invalid.closest("details");
    if (details) details.open = true;
    var field = (invalid.closest("form") || document).querySelector("textarea, input[type=password]");
    if (field) field.focus();
  }
})();
