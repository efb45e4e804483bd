// A car's page, progressively (CSP: no inline scripts; every part works without this file):
// the similar-cars section from its own cached URL, and the finance estimate recalculated in place.
(function () {
  "use strict";
  var similar = document.querySelector("[data-similar-url]");
  if (similar && window.fetch) {
    fetch(similar.getAttribute("data-similar-url"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        var target = similar.querySelector("[data-similar-cards]");
        if (html !== null && target) {
          target.innerHTML = html;
        }
      })
      .catch(function () { /* the fallback link stays */ });
  }

  function bindFinance(section) {
    var form = section.querySelector("[data-finance-form]");
    if (!form || !window.fetch) {
      return;
    }
    var update = function (event) {
      if (event) {
        event.preventDefault();
      }
      var query = new URLSearchParams(new FormData(form)).toString();
      fetch(form.getAttribute("data-finance-url") + "?" + query, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null) {
            return;
          }
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("[data-finance]");
          if (fresh) {
            section.replaceWith(fresh);
            bindFinance(fresh);
            if (window.history && history.replaceState) {
              history.replaceState(null, "", "?" + query + "#finance");
            }
          }
        })
        .catch(function () { form.submit(); });
    };
    form.addEventListener("submit", update);
    form.querySelectorAll("select").forEach(function (select) { select.addEventListener("change", update); });
  }
  document.querySelectorAll("[data-finance]").forEach(bindFinance);
})();
