/* The area map: the area's outline and its children's polygons from the app's own GeoJSON
   endpoint, on a plain background (no tile service, no request to another host). */
(function () {
  "use strict";

  var AREA_STYLE = { color: "#1a1a1a", weight: 3, fill: false };
  var CHILD_STYLE = { color: "#154273", weight: 1.5, fillColor: "#6fa8dc", fillOpacity: 0.35 };
  var ONLY_STYLE = { color: "#154273", weight: 2, fillColor: "#6fa8dc", fillOpacity: 0.35 };
  var NEIGHBOUR_STYLE = { color: "#6b6b6b", weight: 1, dashArray: "4 2", fillColor: "#d9d9d9", fillOpacity: 0.6 };

  function draw(element, data) {
    var hasChildren = data.features.some(function (f) {
      return f.properties.role === "child";
    });
    // Neighbours below, the outline on top of the children, so the area's border stays visible.
    var order = { neighbour: 0, child: 1, area: 2 };
    data.features.sort(function (a, b) {
      return order[a.properties.role] - order[b.properties.role];
    });
    var map = window.L.map(element, {
      attributionControl: false,
      scrollWheelZoom: false,
      zoomSnap: 0.25,
    });
    var own = data.features.filter(function (f) {
      return f.properties.role !== "neighbour";
    });
    var layer = window.L.geoJSON(data, {
      style: function (feature) {
        if (feature.properties.role === "area") {
          return hasChildren ? AREA_STYLE : ONLY_STYLE;
        }
        if (feature.properties.role === "neighbour") {
          return NEIGHBOUR_STYLE;
        }
        return CHILD_STYLE;
      },
      onEachFeature: function (feature, path) {
        path.bindTooltip(feature.properties.name, { sticky: true });
        if (feature.properties.role !== "area") {
          path.on("click", function () {
            window.location.assign(feature.properties.url);
          });
        }
      },
    }).addTo(map);
    var bounds = window.L.geoJSON({ type: "FeatureCollection", features: own }).getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [8, 8] });
    } else {
      map.setView([52.1, 5.3], 7);
    }
    element.setAttribute("data-state", "ready");
  }

  function init(element) {
    if (!window.L) {
      return;
    }
    fetch(element.getAttribute("data-geojson-url"), {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        draw(element, data);
      })
      .catch(function () {
        element.setAttribute("data-state", "error");
        element.hidden = true;
      });
  }

  document.querySelectorAll("[data-area-map]").forEach(init);
})();
