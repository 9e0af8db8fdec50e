// The insights dashboard: draws the ECharts charts and the grid map from the page's JSON
// data block (#dashboard-data) and its texts (#dashboard-text). No inline script anywhere, so
// the page works under a Content-Security-Policy without 'unsafe-inline'.
// Tooltips are drawn on the canvas (renderMode richText): ECharts' HTML tooltips carry
// style="" attributes, which that policy blocks.
(function () {
  "use strict";

  var BLUE = "#0b5cad";
  var LIGHT_BLUE = "#8fbbe8";
  var PALETTE = ["#0b5cad", "#b3161b", "#2e9e6b", "#d08a1e", "#8a5cc2", "#3aa6a6", "#7a8b2e",
    "#c2455a", "#4a525c", "#3f8fdc", "#e58a5c"];
  // Map fills: needs received (light to dark blue) and rates (red when low, green when high).
  var VOLUME = ["#dbe9f7", "#a9cbee", "#6fa6dd", "#3479c4", "#0b4f94"];
  var RATE = ["#c2455a", "#e58a5c", "#f2c14e", "#8cc46b", "#2e9e6b"];
  var RATE_EDGES = [0.5, 0.7, 0.85, 0.95];
  var EMPTY = "#d9dde2";

  var charts = {};
  window.dashboardCharts = charts; // for the browser tests

  function readJson(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function narrow() {
    return window.matchMedia("(max-width: 40rem)").matches;
  }

  function shortDate(iso, step) {
    // 2026-11-02 → 11-02 (day, week), 2026-11 (month)
    return step === "month" ? iso.slice(0, 7) : iso.slice(5);
  }

  function setUp(name, option, onClick) {
    var element = document.getElementById("chart-" + name);
    if (!element || typeof echarts === "undefined") {
      return;
    }
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(Object.assign({ color: PALETTE, animation: false }, option));
    if (onClick) {
      chart.on("click", onClick);
    }
    charts[name] = chart;
    element.setAttribute("data-ready", "1");
  }

  function legend() {
    return { top: 0, left: "center", itemGap: 16 };
  }

  function grid(extra) {
    return Object.assign({ left: 8, right: 16, top: 36, bottom: 8, containLabel: true }, extra);
  }

  function drawTrend(data, text) {
    var step = data.period.step;
    setUp("trend", {
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: legend(),
      grid: grid(),
      xAxis: {
        type: "category",
        data: data.trend.map(function (p) { return shortDate(p.date, step); }),
        boundaryGap: false,
      },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: text.received, type: "line", symbolSize: 5, areaStyle: { opacity: 0.12 },
          data: data.trend.map(function (p) { return p.received; }), color: BLUE },
        { name: text.resolved, type: "line", symbolSize: 5,
          data: data.trend.map(function (p) { return p.resolved; }), color: "#2e9e6b" },
      ],
    });
  }

  function drawCategories(data, text) {
    // Largest on top: a horizontal bar chart reads from the bottom of its category axis.
    var rows = data.categories.slice(0, 15).reverse();
    var element = document.getElementById("chart-categories");
    if (element) {
      element.style.height = Math.max(240, 60 + rows.length * 34) + "px";
    }
    setUp("categories", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
      legend: legend(),
      grid: grid(),
      xAxis: { type: "value", minInterval: 1 },
      yAxis: {
        type: "category",
        data: rows.map(function (r) { return r.label; }),
        axisLabel: { width: narrow() ? 96 : 160, overflow: "truncate" },
      },
      series: [
        { name: text.received, type: "bar", data: rows.map(function (r) { return { value: r.received, url: r.url }; }), color: LIGHT_BLUE },
        { name: text.resolved, type: "bar", data: rows.map(function (r) { return { value: r.resolved, url: r.url }; }), color: BLUE },
      ],
    }, function (event) {
      if (event.data && event.data.url) {
        window.location.assign(event.data.url);
      }
    });
  }

  function drawChannels(data) {
    setUp("channels", {
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)", renderMode: "richText" },
      legend: { bottom: 0, left: "center", type: "scroll" },
      series: [{
        type: "pie",
        radius: ["38%", "66%"],
        center: ["50%", "45%"],
        avoidLabelOverlap: true,
        // On a phone the names sit in the legend: outside labels would be cut at the edge.
        label: narrow() ? { position: "inside", formatter: "{c}", color: "#ffffff" } : { formatter: "{b}\n{c}" },
        data: data.channels.map(function (c) { return { name: c.label, value: c.received }; }),
      }],
    });
  }

  function drawChildren(data, text) {
    var rows = data.children;
    var many = rows.length > 6 || (narrow() && rows.length > 3);
    setUp("children", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
      legend: legend(),
      grid: grid(),
      xAxis: {
        type: "category",
        data: rows.map(function (r) { return r.name; }),
        axisLabel: { interval: 0, rotate: many ? 35 : 0, width: 110, overflow: "truncate" },
      },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: text.received, type: "bar", data: rows.map(function (r) { return { value: r.received, url: r.url }; }), color: LIGHT_BLUE },
        { name: text.resolved, type: "bar", data: rows.map(function (r) { return { value: r.resolved, url: r.url }; }), color: BLUE },
      ],
    }, function (event) {
      // Drill down: the bar's data carries the child's dashboard URL.
      if (event.data && event.data.url) {
        window.location.assign(event.data.url);
      }
    });
    var chart = charts.children;
    if (chart) {
      // A click anywhere in a child's column drills down too, not only on the bar itself
      // (a child with few needs has a bar too short to hit on a phone).
      chart.getZr().on("click", function (event) {
        if (event.target) {
          return; // a bar: handled above
        }
        var point = [event.offsetX, event.offsetY];
        if (!chart.containPixel("grid", point)) {
          return;
        }
        var index = chart.convertFromPixel({ seriesIndex: 0 }, point)[0];
        if (rows[index] && rows[index].url) {
          window.location.assign(rows[index].url);
        }
      });
    }
  }

  // --- Grid map ---------------------------------------------------------------------------

  function binOf(value, metric, max) {
    if (value === null || value === undefined) {
      return -1;
    }
    if (metric === "received") {
      if (!value) {
        return -1;
      }
      return Math.min(VOLUME.length - 1, Math.floor(((value - 1) / Math.max(max, 1)) * VOLUME.length));
    }
    for (var i = 0; i < RATE_EDGES.length; i++) {
      if (value < RATE_EDGES[i]) {
        return i;
      }
    }
    return RATE.length - 1;
  }

  function legendItems(metric, max, text) {
    var items = [];
    if (metric === "received") {
      var width = Math.max(max, 1) / VOLUME.length;
      // Bin i holds the counts v with i * width <= v - 1 < (i + 1) * width (see binOf).
      VOLUME.forEach(function (colour, i) {
        var low = Math.ceil(i * width) + 1;
        var high = Math.ceil((i + 1) * width);
        if (low <= high) {
          items.push([colour, low === high ? String(low) : low + "–" + high]);
        }
      });
    } else {
      var edges = [0].concat(RATE_EDGES).concat([1]);
      RATE.forEach(function (colour, i) {
        items.push([colour, Math.round(edges[i] * 100) + "–" + Math.round(edges[i + 1] * 100) + "%"]);
      });
    }
    items.push([EMPTY, text.noNeeds]);
    return items;
  }

  function drawLegend(items) {
    var box = document.getElementById("dash-map-legend");
    if (!box) {
      return;
    }
    box.textContent = "";
    items.forEach(function (item) {
      var entry = document.createElement("span");
      entry.className = "dash-legend-item";
      var swatch = document.createElement("span");
      swatch.className = "dash-swatch";
      swatch.style.background = item[0];
      entry.appendChild(swatch);
      entry.appendChild(document.createTextNode(item[1]));
      box.appendChild(entry);
    });
  }

  function drawMap(data, text) {
    var element = document.getElementById("dash-map");
    var status = document.getElementById("dash-map-status");
    var select = document.getElementById("map-metric");
    if (!element || typeof L === "undefined" || !data.grids.available) {
      return;
    }
    var figures = data.grids.figures;
    var max = 0;
    Object.keys(figures).forEach(function (id) {
      max = Math.max(max, figures[id].received);
    });
    var map = L.map(element, { zoomSnap: 0.25, scrollWheelZoom: false });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    map.setView([43.6, 115.0], 5);
    if (text.tileUrl) {
      L.tileLayer(text.tileUrl, { attribution: text.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    var layer = null;

    function valueOf(feature, metric) {
      var row = figures[String(feature.properties.id)];
      if (!row) {
        return metric === "received" ? 0 : null;
      }
      return row[metric];
    }

    function label(value, metric) {
      if (value === null || value === undefined) {
        return "—";
      }
      return metric === "received" ? String(value) : (value * 100).toFixed(1) + "%";
    }

    function restyle() {
      var metric = select ? select.value : "received";
      if (layer) {
        layer.setStyle(function (feature) {
          var bin = binOf(valueOf(feature, metric), metric, max);
          var colours = metric === "received" ? VOLUME : RATE;
          return { color: "#33404d", weight: 1, fillOpacity: 0.85, fillColor: bin < 0 ? EMPTY : colours[bin] };
        });
        layer.eachLayer(function (path) {
          var props = path.feature.properties;
          path.setTooltipContent(props.name + (props.parent ? " · " + props.parent : "") + ": " + label(valueOf(path.feature, metric), metric));
        });
      }
      drawLegend(legendItems(metric, max, text));
      element.setAttribute("data-metric", metric);
    }

    fetch(data.grids.geojson_url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (collection) {
        layer = L.geoJSON(collection, {
          onEachFeature: function (feature, path) {
            // A text node, not a string: Leaflet would parse a string as HTML, and names are data.
            path.bindTooltip(document.createTextNode(feature.properties.name), { sticky: true });
            path.on("click", function () {
              // Open the grid's own dashboard, with the same period and filters.
              var url = new URL(window.location.href);
              url.searchParams.set("node", feature.properties.id);
              window.location.assign(url.toString());
            });
          },
        }).addTo(map);
        restyle();
        var count = (collection.features || []).length;
        element.setAttribute("data-grid-count", String(count));
        if (count) {
          map.fitBounds(layer.getBounds(), { padding: [16, 16] });
        } else if (status) {
          status.textContent = text.mapEmpty;
        }
      })
      .catch(function () {
        if (status) {
          status.textContent = text.mapError;
        }
      });
    if (select) {
      select.addEventListener("change", restyle);
    }
    charts.map = map;
  }

  // --- Copy buttons -----------------------------------------------------------------------

  function setUpCopy(text) {
    var status = document.getElementById("copy-status");
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        var words = source ? source.textContent.trim() : "";
        function done(message) {
          if (status) {
            status.textContent = message;
          }
        }
        function selectIt() {
          // Without the clipboard API (plain http), select the text for a manual copy.
          var range = document.createRange();
          range.selectNodeContents(source);
          var selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          done(text.copyFailed);
        }
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(words).then(function () { done(text.copied); }, selectIt);
        } else {
          selectIt();
        }
      });
    });
  }

  function start() {
    var data = readJson("dashboard-data");
    var text = readJson("dashboard-text") || {};
    if (!data) {
      return;
    }
    setUpCopy(text);
    drawTrend(data, text);
    if (data.categories.length) {
      drawCategories(data, text);
    }
    if (data.channels.length) {
      drawChannels(data);
    }
    if (data.children.length) {
      drawChildren(data, text);
    }
    drawMap(data, text);
    var pending = null;
    window.addEventListener("resize", function () {
      // Charts keep their pixel size until told: resize them once the window settles.
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        Object.keys(charts).forEach(function (name) {
          if (charts[name].resize) {
            charts[name].resize();
          }
        });
      }, 120);
    });
    document.body.setAttribute("data-dashboard-ready", "1");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
