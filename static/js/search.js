// Progressive enhancement of the search forms (the pages work without it):
// suggestions while typing, from /api/v1/search/suggest, in the input's
// datalist; and the facets panel applies a checkbox as soon as it changes.
(function () {
  "use strict";
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var timer = null, last = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 2 || q === last) { return; }
        last = q;
        fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q), { credentials: "omit" })
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(function (data) {
            list.replaceChildren();
            (data.suggestions || []).forEach(function (s) {
              var o = document.createElement("option");
              o.value = s.title; // text, never markup
              list.appendChild(o);
            });
          })
          .catch(function () {});
      }, 150);
    });
  });
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (e) {
      if (e.target.matches("input[type=checkbox]")) { form.requestSubmit(); }
    });
  });
})();
