// Site-wide behaviour. No inline scripts anywhere (CSP): pages add data-* hooks handled here.
(function () {
  "use strict";
  // Confirm destructive actions: <button data-confirm="Are you sure?">.
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  // Auto-submit selects: <select data-autosubmit>.
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]")) {
      event.target.form.submit();
    }
  });
})();
