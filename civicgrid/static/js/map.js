// The grid map: draws the small-grid polygons the page's data-grids-url returns.
// Everything it needs comes from data- attributes on the map's element, so the page has no
// inline script and works under a Content-Security-Policy without 'unsafe-inline'.
//
// Two uses: the console's map of an area (#grid-map: a click opens the grid), and a picker
// (an element with data-pick-lat and data-pick-lon naming two inputs: a click on a grid fills
// them with the point clicked and marks it) in the form that places an unplaced need, which
// htmx may swap in after the page loaded.
(function () {
  "use strict";

  // Roughly the middle of Inner Mongolia: where an empty map opens.
  var DEFAULT_CENTER = [43.6, 115.0];
  var DEFAULT_ZOOM = 5;

  var GRID_STYLE = { color: "#0b5cad", weight: 2, fillColor: "#3f8fdc", fillOpacity: 0.25 };
  // Fill colours that tell neighbouring big grids apart; the outline stays the same blue.
  var FILLS = ["#3f8fdc", "#2e9e6b", "#d08a1e", "#8a5cc2", "#c2455a", "#3aa6a6", "#7a8b2e"];
  var fillOf = {};

  function styleFor(feature) {
    var parent = (feature.properties || {}).parent || "";
    if (!(parent in fillOf)) {
      fillOf[parent] = FILLS[Object.keys(fillOf).length % FILLS.length];
    }
    return Object.assign({}, GRID_STYLE, { fillColor: fillOf[parent] });
  }
  var GRID_HOVER = { weight: 4, fillOpacity: 0.45 };

  function draw(element) {
    if (!element || typeof L === "undefined" || element.getAttribute("data-drawn")) {
      return;
    }
    element.setAttribute("data-drawn", "1");
    var data = element.dataset;
    var status = data.status ? document.getElementById(data.status) : null;
    function setStatus(text) {
      if (status) {
        status.textContent = text || "";
      }
    }
    var picker = data.pickLat && data.pickLon;
    var chosen = null;
    function pick(latlng, label) {
      document.getElementById(data.pickLat).value = latlng.lat.toFixed(6);
      document.getElementById(data.pickLon).value = latlng.lng.toFixed(6);
      if (chosen) {
        chosen.setLatLng(latlng);
      } else {
        chosen = L.circleMarker(latlng, { radius: 7, color: "#c2455a", weight: 3 }).addTo(map);
      }
      element.setAttribute("data-picked", label);
      setStatus((data.pickedMessage || "") + " " + label);
    }
    var map = L.map(element, { zoomSnap: 0.25 });
    // Credit Leaflet by name only; the default prefix carries a flag image.
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    map.setView(DEFAULT_CENTER, DEFAULT_ZOOM);

    // No tiles unless the operator configured a tile server: the map then works offline.
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { attribution: data.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }

    fetch(data.gridsUrl, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (collection) {
        var layer = L.geoJSON(collection, {
          style: styleFor,
          onEachFeature: function (feature, path) {
            var props = feature.properties || {};
            var label = props.parent ? props.name + " · " + props.parent : props.name;
            // A text node, not a string: Leaflet would parse a string as HTML, and names are data.
            path.bindTooltip(document.createTextNode(label), { sticky: true });
            path.on("mouseover", function () {
              path.setStyle(GRID_HOVER);
            });
            path.on("mouseout", function () {
              layer.resetStyle(path);
            });
            if (picker) {
              path.on("click", function (event) {
                pick(event.latlng, label);
              });
            } else if (props.url) {
              path.on("click", function () {
                window.location.assign(props.url);
              });
            }
          },
        }).addTo(map);

        if (collection.features && collection.features.length) {
          map.fitBounds(layer.getBounds(), { padding: [24, 24] });
          element.setAttribute("data-grid-count", String(collection.features.length));
          setStatus("");
        } else {
          element.setAttribute("data-grid-count", "0");
          setStatus(data.emptyMessage);
        }
      })
      .catch(function () {
        setStatus(data.errorMessage);
      });
  }

  function drawAll(root) {
    if (!root || !root.querySelectorAll) {
      return;
    }
    if (root.matches && root.matches("[data-grids-url]")) {
      draw(root);
    }
    root.querySelectorAll("[data-grids-url]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      drawAll(document);
    });
  } else {
    drawAll(document);
  }
  // Content htmx swaps in (the need page after an action) may hold a picker.
  document.addEventListener("htmx:load", function (event) {
    drawAll(event.detail && event.detail.elt);
  });
})();
