// Marketplace behaviour (CSP: no inline scripts). Progressive: every page works without it.
(function () {
  "use strict";
  // Model suggestions depend on the chosen make: fill <datalist id="model-options"> from the JSON island.
  var island = document.getElementById("models-by-make");
  var modelList = document.getElementById("model-options");
  if (island && modelList) {
    var models = {};
    try { models = JSON.parse(island.textContent); } catch (e) { models = {}; }
    var makeInput = document.querySelector("[data-make-input]");
    var fill = function () {
      var make = (makeInput && makeInput.value || "").trim().toLowerCase();
      var names = [];
      Object.keys(models).forEach(function (key) {
        if (!make || key.toLowerCase() === make) { names = names.concat(models[key]); }
      });
      modelList.replaceChildren.apply(modelList, names.map(function (name) {
        var option = document.createElement("option");
        option.value = name;
        return option;
      }));
    };
    if (makeInput) { makeInput.addEventListener("input", fill); makeInput.addEventListener("change", fill); }
    fill();
  }
  // Gallery thumbnails follow the carousel.
  var gallery = document.getElementById("gallery");
  if (gallery) {
    gallery.addEventListener("slid.bs.carousel", function (event) {
      document.querySelectorAll(".thumb-btn").forEach(function (button, index) {
        button.classList.toggle("active", index === event.to);
      });
    });
  }
  // Compare: "only differences" switch.
  var toggle = document.querySelector("[data-only-differences]");
  var table = document.querySelector("[data-testid=compare-table]");
  if (toggle && table) {
    toggle.addEventListener("change", function () { table.classList.toggle("only-differences", toggle.checked); });
  }
})();
