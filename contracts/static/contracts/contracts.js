// Contract terms form: show the payment rows and lender only when they apply (no inline scripts: CSP).
(function () {
  "use strict";
  var root = document.querySelector("[data-payment-form]");
  if (!root) { return; }
  function rowsFor(name) {
    var input = root.querySelector('[name="' + name + '"]');
    return input ? input.closest(".mb-3") : null;
  }
  function update() {
    var checked = root.querySelector('input[name="payment_method"]:checked');
    var method = checked ? checked.value : "full";
    ["amount_1", "due_1", "amount_2", "due_2", "amount_3", "due_3"].forEach(function (name) {
      var row = rowsFor(name);
      if (row) { row.hidden = method === "full"; }
    });
    var lender = rowsFor("lender_name");
    if (lender) { lender.hidden = method !== "loan"; }
    var dispute = root.querySelector('[name="dispute_resolution"]');
    var body = rowsFor("arbitration_body");
    if (dispute && body) { body.hidden = dispute.value !== "arbitration"; }
  }
  root.addEventListener("change", update);
  update();
})();
