/* Check-in by QR code: before the form is sent, ask the phone where it is (a few seconds at
 * most) and send the point with it. Without geolocation, refused, or slow, the form is sent
 * without a point: the server then does not check the distance. Messages come from data-
 * attributes, so they are translated with the page. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-checkin]");
  if (!form || !("geolocation" in navigator)) {
    return;
  }
  var status = form.querySelector("[data-checkin-status]");
  var button = form.querySelector("button[type=submit]");
  var sent = false;

  function send() {
    if (sent) {
      return;
    }
    sent = true;
    if (status) {
      status.textContent = form.dataset.sending;
    }
    form.submit();
  }

  form.addEventListener("submit", function (event) {
    if (sent) {
      return;
    }
    event.preventDefault();
    button.disabled = true;
    if (status) {
      status.textContent = form.dataset.locating;
    }
    var timer = window.setTimeout(send, 8000);
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        window.clearTimeout(timer);
        form.elements.lat.value = pos.coords.latitude.toFixed(6);
        form.elements.lon.value = pos.coords.longitude.toFixed(6);
        send();
      },
      function () {
        window.clearTimeout(timer);
        send();
      },
      { enableHighAccuracy: true, timeout: 7000, maximumAge: 60000 }
    );
  });
})();
