/* The activities map: each activity's own place (a point, line or polygon) or its area's
   boundary, from the app's own GeoJSON endpoint; no tile service. The table beside it lists the
   same activities. */
(function () {
  "use strict";

  var STYLE = { color: "#154273", weight: 3, fillColor: "#6fa8dc", fillOpacity: 0.35 };
  var AREA_STYLE = { color: "#6b6b6b", weight: 1, dashArray: "4 2", fillOpacity: 0.1 };

  function draw(element, data) {
    var map = window.L.map(element, { attributionControl: false, scrollWheelZoom: false });
    var layer = window.L.geoJSON(data, {
      style: function (feature) {
        return feature.properties.own_geometry ? STYLE : AREA_STYLE;
      },
      pointToLayer: function (feature, latlng) {
        return window.L.circleMarker(latlng, { radius: 7, color: "#154273", fillOpacity: 0.8 });
      },
      onEachFeature: function (feature, path) {
        var p = feature.properties;
        path.bindTooltip(p.title + " (" + p.owner + ", " + p.period + ")", { sticky: true });
      },
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [12, 12] });
    } else {
      map.setView([52.1, 5.3], 7);
    }
    element.setAttribute("data-state", "ready");
  }

  function init(element) {
    if (!window.L) {
      return;
    }
    fetch(element.getAttribute("data-geojson-url"), { credentials: "same-origin" })
      .then(function (response) {
        return response.json();
      })
      .then(function (data) {
        draw(element, data);
      });
  }

  document.querySelectorAll("[data-activities-map]").forEach(init);
})();
