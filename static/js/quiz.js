/* The quiz page: the section list folds away on narrow screens, as it does in the wizard. */
(function () {
  "use strict";
  var progress = document.querySelector("[data-progress]");
  if (progress && window.matchMedia && !window.matchMedia("(min-width: 992px)").matches) {
    progress.open = false;
  }
})();
