// Find an organisation (preview build): filters window.ORG_INDEX (site_libs/preview/org-index.js,
// written from the report cards) as the reader types and lists up to 12 report cards as links.
// A card is found by its name, its code, or one of its keywords (its trust's hospitals and their
// towns), case and apostrophes ignored ("addenbrookes" finds "Addenbrooke's"); a card found by a
// keyword says which. Names are data: they are only ever set as text, never as HTML.
(function () {
  "use strict";
  var input = document.getElementById("org-search");
  var out = document.getElementById("org-search-results");
  var index = window.ORG_INDEX;
  if (!input || !out || !index) {
    return;
  }
  var root = input.getAttribute("data-root") || "";
  function norm(text) {
    return text.toLowerCase().replace(/['\u2019]/g, "");
  }
  function keyword(e, q) {
    var words = e.k || [];
    for (var j = 0; j < words.length; j++) {
      if (norm(words[j]).indexOf(q) >= 0) { return words[j]; }
    }
    return "";
  }
  function show(query) {
    var q = norm(query.trim());
    out.textContent = "";
    if (q.length < 2) {
      return;
    }
    var shown = 0;
    for (var i = 0; i < index.length && shown < 12; i++) {
      var e = index[i];
      var named = norm(e.t).indexOf(q) >= 0 || e.c.toLowerCase().indexOf(q) === 0;
      var site = named ? "" : keyword(e, q);
      if (named || site) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = root + e.u;
        a.textContent = e.t + " (" + e.c + ")" + (e.a ? " \u00b7 " + e.a : "") +
          (site ? " \u2014 " + site : "");
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
