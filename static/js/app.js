// Site-wide behaviour. No inline scripts anywhere (CSP): pages add data-* hooks handled here.
(function () {
  "use strict";
  var body = document.body;
  // Confirm destructive actions: <button data-confirm="Are you sure?">.
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  // Auto-submit selects: <select data-autosubmit>. A keyboard user moving through the options with the arrow
  // keys is not sent away on every step: the form goes when they press Enter or leave the list.
  var keyed = false;
  document.addEventListener("keydown", function (event) {
    if (event.target.matches("[data-autosubmit], [data-sort-select]")) {
      keyed = event.key !== "Enter";
      if (event.key === "Enter") { event.preventDefault(); event.target.form.requestSubmit(); }
    }
  });
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.matches("[data-autosubmit], [data-sort-select]")) { return; }
    if (keyed) { el.dataset.changed = "1"; return; }
    el.form.requestSubmit();
  });
  document.addEventListener("focusout", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit], [data-sort-select]") && el.dataset.changed) {
      delete el.dataset.changed;
      el.form.requestSubmit();
    }
  });

  // What is this visitor's (compare tray, recently viewed, compare buttons): never part of a cached page.
  var announce = document.querySelector("[data-announce]");
  function say(text) { if (announce && text) { announce.textContent = ""; announce.textContent = text; } }
  function markCompare(ids) {
    document.querySelectorAll("form[data-compare-form]").forEach(function (form) {
      var input = form.querySelector("input[name=listing]");
      var button = form.querySelector("[data-compare-button]");
      if (!input || !button) { return; }
      var inCompare = ids.indexOf(parseInt(input.value, 10)) !== -1;
      form.action = inCompare ? body.dataset.compareRemove : body.dataset.compareAdd;
      button.setAttribute("aria-pressed", inCompare ? "true" : "false");
      button.classList.toggle("active", inCompare);
      var label = button.querySelector("span");
      if (label) { label.textContent = inCompare ? body.dataset.labelInCompare : body.dataset.labelCompare; }
      var icon = button.querySelector(".bi");
      if (icon) { icon.className = "bi " + (inCompare ? "bi-check2-square" : "bi-plus-square"); }
    });
  }
  function loadMine(viewed) {
    if (!body.dataset.mineUrl) { return; }
    var url = body.dataset.mineUrl + (viewed ? "?viewed=" + encodeURIComponent(viewed) : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        document.querySelectorAll("[data-mine=tray]").forEach(function (el) { el.innerHTML = data.tray; });
        document.querySelectorAll("[data-mine=recent]").forEach(function (el) { el.innerHTML = data.recent; });
        markCompare(data.compare || []);
      })
      .catch(function () { /* the page works without it */ });
  }
  var carPage = document.querySelector("[data-car-page]");
  if (document.querySelector("[data-mine], form[data-compare-form]")) {
    loadMine(carPage ? carPage.dataset.carPage : "");
  }
  // Compare buttons add/remove in place: the visitor stays where they are and keeps the focus.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-compare-form]") || !window.fetch) { return; }
    event.preventDefault();
    fetch(form.getAttribute("action"), { method: "POST", body: new FormData(form), credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        markCompare(data.compare || []);
        say(data.error || data.message);
        loadMine("");
      })
      .catch(function () { form.submit(); });
  });
  // Favourite buttons save/remove in place the same way: the button changes state and keeps the focus; the
  // message is announced. (The form's URL is read with getAttribute: its hidden input named "action" shadows
  // form.action.) Anything but a JSON answer (a visitor sent to sign in, a refusal) → the plain form.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-favourite-form]") || !window.fetch) { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    fetch(form.getAttribute("action"), { method: "POST", body: new FormData(form), credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) { throw new Error("not json"); }
        return response.json();
      })
      .then(function (data) {
        var action = form.querySelector("input[name=action]");
        if (data.favourite && !action) {
          action = document.createElement("input");
          action.type = "hidden"; action.name = "action"; action.value = "remove";
          form.appendChild(action);
        } else if (!data.favourite && action) {
          action.remove();
        }
        if (button) {
          button.setAttribute("aria-pressed", data.favourite ? "true" : "false");
          button.classList.toggle("active", !!data.favourite);
          var icon = button.querySelector(".bi");
          if (icon) { icon.className = "bi " + (data.favourite ? "bi-heart-fill" : "bi-heart"); }
          var label = button.querySelector("[data-favourite-label]");
          if (label && data.label) { label.textContent = data.label; }
        }
        say(data.message);
      })
      .catch(function () { form.submit(); });
  });
  // A table wider than the screen scrolls in its own box: keyboard users reach it with Tab and scroll it with
  // the arrow keys; it is named after the section's heading.
  document.querySelectorAll(".table-responsive").forEach(function (box) {
    if (box.scrollWidth <= box.clientWidth || box.hasAttribute("tabindex")) { return; }
    box.tabIndex = 0;
    var section = box.closest("section, .card, .col-12") || box.parentElement;
    var heading = section && section.querySelector("h1, h2, h3, h4, caption");
    if (heading) {
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", heading.textContent.trim());
    }
  });
})();
