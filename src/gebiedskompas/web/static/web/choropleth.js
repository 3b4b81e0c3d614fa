/* The ranking map: one polygon per area, filled by its class (classes computed on the server with
   mapclassify). Viridis colours stay distinct for colour-blind readers; the legend and the table
   give the class as a number too. No tiles, no other host. */
(function () {
  "use strict";

  // Viridis, sampled for 2..7 classes (dark = low class, light = high class).
  var PALETTES = {
    2: ["#440154", "#fde725"],
    3: ["#440154", "#21918c", "#fde725"],
    4: ["#440154", "#31688e", "#35b779", "#fde725"],
    5: ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"],
    6: ["#440154", "#414487", "#2a788e", "#22a884", "#7ad151", "#fde725"],
    7: ["#440154", "#443983", "#31688e", "#21918c", "#35b779", "#90d743", "#fde725"],
  };

  function draw(element, data) {
    var palette = PALETTES[data.classes] || PALETTES[5];
    var map = window.L.map(element, { attributionControl: false, scrollWheelZoom: false, zoomSnap: 0.25 });
    var layer = window.L.geoJSON(data, {
      style: function (feature) {
        var k = feature.properties["class"];
        return {
          color: "#1a1a1a",
          weight: 1,
          fillOpacity: 0.85,
          fillColor: k === null || k === undefined ? "#ffffff" : palette[k] || "#ffffff",
        };
      },
      onEachFeature: function (feature, path) {
        var p = feature.properties;
        path.bindTooltip(p.name + ": " + p.value, { sticky: true });
        path.on("click", function () {
          window.location.assign(p.url);
        });
      },
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [8, 8] });
    } else {
      map.setView([52.1, 5.3], 7);
    }
    element.setAttribute("data-state", "ready");
  }

  document.querySelectorAll("[data-ranking-map]").forEach(function (element) {
    if (!window.L) {
      return;
    }
    fetch(element.getAttribute("data-geojson-url"), { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) {
          throw new Error("HTTP " + r.status);
        }
        return r.json();
      })
      .then(function (data) {
        draw(element, data);
      })
      .catch(function () {
        element.setAttribute("data-state", "error");
        element.hidden = true;
      });
  });
})();
