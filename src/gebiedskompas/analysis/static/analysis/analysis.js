/* Gebiedsanalyse: re-run the analysis when a weight or choice changes (the ranking, map and
   sensitivity chart are replaced by the server's HTML), and draw the ranking as a choropleth
   from the run's own GeoJSON (no tile service). Without JavaScript the form posts normally. */
(function () {
  "use strict";

  var COLOURS = { 1: "#8c1c13", 2: "#c8553d", 3: "#f2a65a", 4: "#f6d8ae", 5: "#f4f1ea" };

  function drawMap(element) {
    if (!element || !window.L) {
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
        if (!data.features.length) {
          element.hidden = true;
          return;
        }
        var map = window.L.map(element, {
          attributionControl: false,
          scrollWheelZoom: false,
          zoomSnap: 0.25,
        });
        var layer = window.L.geoJSON(data, {
          style: function (feature) {
            return {
              color: "#333333",
              weight: 1,
              fillColor: COLOURS[feature.properties.quintile] || "#cccccc",
              fillOpacity: 0.85,
            };
          },
          onEachFeature: function (feature, path) {
            path.bindTooltip(
              feature.properties.position + ". " + feature.properties.name,
              { sticky: true }
            );
            path.on("click", function () {
              window.location.assign(feature.properties.why_url);
            });
          },
        }).addTo(map);
        map.fitBounds(layer.getBounds(), { padding: [8, 8] });
        element.setAttribute("data-state", "ready");
      })
      .catch(function () {
        element.setAttribute("data-state", "error");
        element.hidden = true;
      });
  }

  function showValue(slider) {
    var output = document.getElementById(slider.id + "-value");
    if (output) {
      output.textContent = slider.value;
    }
  }

  function init(form) {
    var result = document.getElementById("analysis-result");
    var status = form.querySelector("[data-analysis-status]");
    var timer = null;
    var pending = null;

    function submit() {
      if (pending) {
        pending.abort();
      }
      pending = new AbortController();
      status.textContent = form.getAttribute("data-busy-text");
      result.setAttribute("aria-busy", "true");
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Kompas-Partial": "1" },
        signal: pending.signal,
      })
        .then(function (response) {
          return response.text().then(function (html) {
            return { ok: response.ok, html: html, url: response.headers.get("X-Kompas-Run-Url") };
          });
        })
        .then(function (answer) {
          result.innerHTML = answer.html;
          result.removeAttribute("aria-busy");
          if (answer.ok) {
            status.textContent = form.getAttribute("data-done-text");
            if (answer.url) {
              window.history.replaceState(null, "", answer.url);
            }
            drawMap(result.querySelector("[data-analysis-map]"));
          } else {
            status.textContent = form.getAttribute("data-error-text");
          }
        })
        .catch(function (error) {
          if (error.name !== "AbortError") {
            result.removeAttribute("aria-busy");
            status.textContent = form.getAttribute("data-error-text");
          }
        });
    }

    form.querySelectorAll("input[type=range]").forEach(function (slider) {
      slider.addEventListener("input", function () {
        showValue(slider);
      });
    });
    form.addEventListener("change", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(submit, 250);
    });
  }

  document.querySelectorAll("[data-analysis-form]").forEach(init);
  document.querySelectorAll("[data-analysis-map]").forEach(drawMap);
})();
