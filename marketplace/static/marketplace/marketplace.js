// Marketplace behaviour (CSP: no inline scripts). Progressive: every page works without it.
(function () {
  "use strict";
  // The model list follows the chosen make (browse filters): options from the JSON island.
  var island = document.getElementById("models-by-make");
  var makeSelect = document.querySelector("[data-make-select]");
  var modelSelect = document.querySelector("[data-model-select]");
  if (island && makeSelect && modelSelect) {
    var models = {};
    try { models = JSON.parse(island.textContent); } catch (e) { models = {}; }
    var any = modelSelect.options[0];
    var fillModels = function () {
      var chosen = modelSelect.value;
      var options = [any];
      (models[makeSelect.value] || []).forEach(function (pair) {
        var option = new Option(pair[1], pair[0], false, pair[0] === chosen);
        options.push(option);
      });
      modelSelect.replaceChildren.apply(modelSelect, options);
      modelSelect.disabled = !makeSelect.value;
    };
    makeSelect.addEventListener("change", fillModels);
    fillModels();
  }
  // Model suggestions depend on the chosen make (the dealer's form): <datalist id="model-options">.
  var modelList = document.getElementById("model-options");
  var makeInput = document.querySelector("[data-make-input]");
  if (island && modelList && makeInput) {
    var byMake = {};
    try { byMake = JSON.parse(island.textContent); } catch (e) { byMake = {}; }
    var fill = function () {
      var make = (makeInput.value || "").trim().toLowerCase();
      var names = [];
      Object.keys(byMake).forEach(function (key) {
        if (!make || key.toLowerCase() === make) {
          names = names.concat(byMake[key].map(function (item) { return Array.isArray(item) ? item[0] : item; }));
        }
      });
      modelList.replaceChildren.apply(modelList, names.map(function (name) {
        var option = document.createElement("option");
        option.value = name;
        return option;
      }));
    };
    makeInput.addEventListener("input", fill);
    makeInput.addEventListener("change", fill);
    fill();
  }
  // The dealer's form: a complete VIN fills the make and the model year when they are still empty (the server
  // does the same on saving, with vininfo). WMI → make from the catalogue; the year from the 10th character.
  var vinInput = document.querySelector("[data-vin-input]");
  var wmiIsland = document.getElementById("wmi-makes");
  if (vinInput && wmiIsland && makeSelect) {
    var wmi = {};
    try { wmi = JSON.parse(wmiIsland.textContent); } catch (e) { wmi = {}; }
    var YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789";
    var yearInput = vinInput.form && vinInput.form.querySelector("[name=year]");
    vinInput.addEventListener("input", function () {
      var vin = vinInput.value.replace(/[\s-]/g, "").toUpperCase();
      if (vin.length !== 17) { return; }
      var make = wmi[vin.slice(0, 3)];
      if (make && !makeSelect.value) {
        makeSelect.value = make;
        makeSelect.dispatchEvent(new Event("change"));
      }
      var index = YEAR_CODES.indexOf(vin.charAt(9));
      if (yearInput && !yearInput.value && index !== -1) {
        var latest = new Date().getFullYear() + 1;
        var year = 2010 + index;  // A = 2010 … Y = 2030, then 1 = 2031 …; 30 years earlier as the cycle turns
        while (year > latest) { year -= 30; }
        yearInput.value = year;
      }
    });
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
