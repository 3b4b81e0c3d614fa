/* Category suggestion while typing: when the reporter has not chosen a category yet, ask the
   server's classifier (only answers above its confidence threshold) and preselect its choice,
   announcing it politely. Without JavaScript the form suggests after the first submit. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-suggest-url]");
  if (!form || !window.fetch) { return; }
  var description = form.querySelector("textarea[name=description]");
  var category = form.querySelector("select[name=category]");
  var status = document.getElementById("category-suggestion");
  if (!description || !category || !status) { return; }
  var timer = null;
  var chosenByUser = false;
  category.addEventListener("change", function () { chosenByUser = true; });
  description.addEventListener("input", function () {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(function () {
      if (chosenByUser || description.value.trim().length < 10) { return; }
      var url = form.getAttribute("data-suggest-url") + "?omschrijving=" +
        encodeURIComponent(description.value.slice(0, 4000));
      window.fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : {}; })
        .then(function (data) {
          if (!data.category || chosenByUser) { return; }
          category.value = data.category;
          status.textContent = status.getAttribute("data-text") + " " + data.label;
        })
        .catch(function () { /* no suggestion then */ });
    }, 600);
  });
})();
