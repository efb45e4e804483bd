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
    var update = function (event, extra) {
      if (event) {
        event.preventDefault();
      }
      var query = new URLSearchParams(new FormData(form)).toString() + (extra || "");
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
            var opened = fresh.querySelector("details[open] summary");
            if (opened && extra) { opened.focus(); }
            if (window.history && history.replaceState) {
              history.replaceState(null, "", "?" + query + "#finance");
            }
          }
        })
        .catch(function () { form.submit(); });
    };
    form.addEventListener("submit", function (event) { update(event); });
    // The month-by-month schedule comes on request, in place; the focus moves to it.
    var scheduleLink = section.querySelector("[data-finance-schedule]");
    if (scheduleLink) {
      scheduleLink.addEventListener("click", function (event) { update(event, "&schedule=1"); });
    }
    form.querySelectorAll("select").forEach(function (select) { select.addEventListener("change", function (event) { update(event); }); });
  }
  document.querySelectorAll("[data-finance]").forEach(bindFinance);
})();
