// The meal point's share page: one tap copies a menu's text for a messaging group.
// Without the clipboard API (plain http, old browsers) the text is selected for a manual copy.
(function () {
  "use strict";

  function start() {
    var status = document.getElementById("meal-copy-status");
    function say(key) {
      if (status) {
        status.textContent = status.getAttribute(key) || "";
      }
    }
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var box = document.getElementById(button.getAttribute("data-copy"));
        if (!box) {
          return;
        }
        function selectIt() {
          box.focus();
          box.select();
          try {
            if (document.execCommand && document.execCommand("copy")) {
              say("data-copied");
              return;
            }
          } catch (ignored) {
            // fall through: the text stays selected
          }
          say("data-failed");
        }
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(box.value).then(function () { say("data-copied"); }, selectIt);
        } else {
          selectIt();
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
