// Find an organisation (preview build): filters window.ORG_INDEX (site_libs/preview/org-index.js,
// written from the report cards) as the reader types and lists up to 12 report cards as links.
// Names are data: they are only ever set as text, never as HTML.
(function () {
  "use strict";
  var input = document.getElementById("org-search");
  var out = document.getElementById("org-search-results");
  var index = window.ORG_INDEX;
  if (!input || !out || !index) {
    return;
  }
  var root = input.getAttribute("data-root") || "";
  function show(query) {
    var q = query.trim().toLowerCase();
    out.textContent = "";
    if (q.length < 2) {
      return;
    }
    var shown = 0;
    for (var i = 0; i < index.length && shown < 12; i++) {
      var e = index[i];
      if (e.t.toLowerCase().indexOf(q) >= 0 || e.c.toLowerCase().indexOf(q) === 0) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = root + e.u;
        a.textContent = e.t + " (" + e.c + ")" + (e.a ? " \u00b7 " + e.a : "");
        li.appendChild(a);
        out.appendChild(li);
        shown++;
      }
    }
    if (shown === 0) {
      var none = document.createElement("li");
      none.textContent = "No report card matches \u201c" + query.trim() + "\u201d";
      out.appendChild(none);
    }
  }
  input.addEventListener("input", function () { show(input.value); });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") {
      var first = out.querySelector("a");
      if (first) { window.location.href = first.href; }
    }
  });
})();
