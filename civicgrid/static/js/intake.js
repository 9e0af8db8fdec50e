/* CivicGrid resident pages: small enhancements on top of forms that work without JavaScript.
 * - "Use my location": fills the hidden lat/lon fields from the browser's geolocation and
 *   names the grid they fall in.
 * - Moves focus to the list of problems when a form comes back with errors.
 * - Warns at once when more photos are chosen than allowed (the server checks again).
 * - The print button of posters.
 * Messages come from data- attributes, so they are translated with the page.
 */
(function () {
  "use strict";

  function setupLocate(box) {
    var button = box.querySelector("button");
    var status = box.querySelector(".r-status");
    var lat = box.querySelector("input[name=lat]");
    var lon = box.querySelector("input[name=lon]");
    if (!button || !lat || !lon || !("geolocation" in navigator)) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = box.dataset.working;
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          lat.value = pos.coords.latitude.toFixed(6);
          lon.value = pos.coords.longitude.toFixed(6);
          status.textContent = box.dataset.found;
          button.disabled = false;
          nameThePlace(box, status, lat.value, lon.value);
        },
        function () {
          lat.value = "";
          lon.value = "";
          status.textContent = box.dataset.failed;
          button.disabled = false;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  /* Names the grid the location falls in ("Location found: 团结社区 · 第三网格"). Without an
   * answer the general sentence stays: the server routes the need from lat/lon anyway. */
  function nameThePlace(box, status, lat, lon) {
    if (!box.dataset.where || !window.fetch) {
      return;
    }
    var url = box.dataset.where + "?lat=" + encodeURIComponent(lat) + "&lon=" + encodeURIComponent(lon);
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        if (!answer) {
          return;
        }
        status.textContent = answer.found
          ? box.dataset.foundAt.replace("{place}", answer.place)
          : box.dataset.outside;
      })
      .catch(function () {});
  }

  function setupPhotos(input) {
    var status = document.getElementById(input.id + "_status");
    var max = parseInt(input.dataset.max || "0", 10);
    input.addEventListener("change", function () {
      var tooMany = max > 0 && input.files && input.files.length > max;
      if (status) {
        status.textContent = tooMany ? input.dataset.tooMany : "";
      }
      input.setAttribute("aria-invalid", tooMany ? "true" : "false");
    });
  }

  function start() {
    document.querySelectorAll("[data-locate]").forEach(setupLocate);
    document.querySelectorAll("input[type=file][data-max]").forEach(setupPhotos);
    document.querySelectorAll("button[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
    var errors = document.getElementById("r-errors");
    if (errors) {
      errors.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
