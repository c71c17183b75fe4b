/* League tables: sorting, filtering and searching with DataTables (assets/vendor/, from npm).
 * Without DataTables (or JavaScript) the table stays as written: complete, in league order. */
(function () {
  "use strict";

  function exact(value) {
    return value ? "^" + DataTable.util.escapeRegex(value) + "$" : "";
  }

  function start(el) {
    var table = new DataTable(el, {
      paging: false,
      order: [], // keep the league order (segment, then average score) until a reader sorts
      autoWidth: false,
      language: {
        search: "Search this table:",
        info: "Showing _TOTAL_ organisations",
        infoFiltered: " (filtered from _MAX_)",
        zeroRecords: "No organisation matches the filters"
      }
    });
    var box = document.getElementById(el.getAttribute("data-filters"));
    if (!box) return;
    box.hidden = false;
    box.querySelectorAll("select[data-column]").forEach(function (select) {
      select.addEventListener("change", function () {
        table.column(Number(select.getAttribute("data-column")))
          .search(exact(select.value), true, false)
          .draw();
      });
    });
  }

  function init() {
    if (typeof window.DataTable !== "function") return;
    document.querySelectorAll("table.league-table").forEach(start);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
