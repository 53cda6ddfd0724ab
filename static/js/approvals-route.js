// Approval route: show the quorum field only where the stage's rule is "a quorum of N".
(function () {
  function sync(select) {
    var card = select.closest(".approvals-stage-form");
    var quorum = card && card.querySelector(".approvals-quorum");
    if (quorum) quorum.hidden = select.value !== "quorum";
  }
  document.querySelectorAll(".approvals-stage-form select[name$='-rule']").forEach(function (select) {
    sync(select);
    select.addEventListener("change", function () { sync(select); });
  });
})();
