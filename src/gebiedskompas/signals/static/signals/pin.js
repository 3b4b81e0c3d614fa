/* The intake form's map: a click or tap drops one pin and fills the latitude and longitude
   fields; typing in those fields moves the pin. No tile service: the map shows only a plain
   background, so no request leaves this site. Without JavaScript the fields stay usable. */
(function () {
  "use strict";

  function init(element) {
    if (!window.L) {
      element.hidden = true;
      return;
    }
    var latField = document.getElementById(element.getAttribute("data-lat-field"));
    var lonField = document.getElementById(element.getAttribute("data-lon-field"));
    var map = window.L.map(element, { attributionControl: false, scrollWheelZoom: false });
    map.setView([52.1, 5.3], 7);
    var pin = null;
    var outline = element.getAttribute("data-outline-url");
    if (outline && window.fetch) {
      // The municipality's buurten as the only background, so residents can find their street.
      window.fetch(outline, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          var layer = window.L.geoJSON(data, {
            style: { color: "#154273", weight: 1, fillColor: "#dce7f3", fillOpacity: 0.5 },
          }).addTo(map);
          if (!pin && layer.getBounds().isValid()) {
            map.fitBounds(layer.getBounds());
          }
        })
        .catch(function () { /* the fields still work without the outline */ });
    }

    function place(lat, lon) {
      if (pin) {
        pin.setLatLng([lat, lon]);
      } else {
        pin = window.L.circleMarker([lat, lon], { radius: 8, color: "#154273", weight: 3 }).addTo(map);
      }
    }

    var lat = parseFloat(latField.value);
    var lon = parseFloat(lonField.value);
    if (!isNaN(lat) && !isNaN(lon)) {
      place(lat, lon);
      map.setView([lat, lon], 15);
    }
    map.on("click", function (event) {
      latField.value = event.latlng.lat.toFixed(6);
      lonField.value = event.latlng.lng.toFixed(6);
      place(event.latlng.lat, event.latlng.lng);
    });
    [latField, lonField].forEach(function (field) {
      field.addEventListener("change", function () {
        var a = parseFloat(latField.value);
        var b = parseFloat(lonField.value);
        if (!isNaN(a) && !isNaN(b)) {
          place(a, b);
        }
      });
    });
    element.setAttribute("data-state", "ready");
  }

  document.querySelectorAll("[data-signal-map]").forEach(init);
})();
