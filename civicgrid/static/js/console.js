// The staff console's need pages. No inline scripts: behaviour hangs off classes and data-
// attributes, so the pages work under a Content-Security-Policy without 'unsafe-inline'.
(function () {
  "use strict";

  // The server answers a refused action with its honest status (400 invalid, 403 not
  // allowed, 409 conflict) and the detail fragment showing the message. htmx does not swap
  // error responses by default; these carry content meant to be shown, so swap them.
  var SHOWN_ERRORS = { 400: true, 403: true, 409: true };

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr && event.detail.xhr.status;
    if (SHOWN_ERRORS[status]) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // After an action, move focus to its outcome so that screen readers announce it.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "need-detail") {
      return;
    }
    var detail = document.getElementById("need-detail");
    if (!detail) {
      return;
    }
    var outcome = detail.querySelector("[data-error], .flash");
    if (outcome) {
      outcome.setAttribute("tabindex", "-1");
      outcome.focus();
    }
  });

  // "Select all" in the list's header ticks every row on the page for bulk dispatch.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains("select-all")) {
      return;
    }
    var form = box.closest("form");
    form.querySelectorAll('input[name="numbers"]').forEach(function (row) {
      row.checked = box.checked;
    });
  });
})();
