/* The staff map of signals in an area: the area's outline and one dot per signal (open ones
   filled). No tile service, so no request leaves this site. */
(function () {
  "use strict";
  var element = document.getElementById("signals-area-map");
  if (!element) { return; }
  if (!window.L || !window.fetch) { element.hidden = true; return; }
  var map = window.L.map(element, { attributionControl: false });
  map.setView([52.1, 5.3], 7);
  function load(url) {
    return window.fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; });
  }
  load(element.getAttribute("data-outline-url")).then(function (data) {
    if (!data) { return; }
    var layer = window.L.geoJSON(data, {
      style: { color: "#154273", weight: 1, fillColor: "#dce7f3", fillOpacity: 0.4 },
    }).addTo(map);
    if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds()); }
  }).then(function () {
    return load(element.getAttribute("data-points-url"));
  }).then(function (data) {
    if (!data) { return; }
    window.L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var open = feature.properties.open;
        return window.L.circleMarker(latlng, {
          radius: 6, color: open ? "#a90061" : "#535353", weight: 2,
          fillOpacity: open ? 0.8 : 0.2,
        });
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        var text = document.createElement("span");
        text.textContent = p.category + " · " + p.status + " · " + p.reported;
        layer.bindPopup(text);
      },
    }).addTo(map);
  }).catch(function () { /* the GeoJSON link below still works */ });
})();
