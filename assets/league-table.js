/* League tables: sorting, filtering and searching with DataTables (assets/vendor/, from npm).
 * Without DataTables (or JavaScript) the table stays as written: complete, in league order, each
 * row's details in a <details> disclosure of its last cell.
 * With it, each row's <details> becomes a button (aria-expanded) that opens the details in a row
 * of their own across the table (a DataTables child row, which moves with its row when the table
 * is sorted or filtered). The filters match each row's data-f-<key> attribute exactly. */
(function () {
  "use strict";

  function detailButtons(table) {
    var bodies = new WeakMap();
    table.rows().every(function () {
      var tr = this.node();
      var details = tr.querySelector("details.league-detail");
      if (!details) return;
      var summary = details.querySelector("summary");
      var body = details.querySelector(".league-detail-body");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "league-detail-toggle";
      button.setAttribute("aria-expanded", "false");
      while (summary.firstChild) button.appendChild(summary.firstChild);
      bodies.set(tr, body);
      details.replaceWith(button);
    });
    table.table().body().addEventListener("click", function (event) {
      var button = event.target.closest("button.league-detail-toggle");
      if (!button) return;
      var tr = button.closest("tr");
      var row = table.row(tr);
      if (row.child.isShown()) {
        row.child.hide();
        tr.classList.remove("league-detail-open");
        button.setAttribute("aria-expanded", "false");
      } else {
        row.child(bodies.get(tr), "league-detail-row").show();
        tr.classList.add("league-detail-open");
        button.setAttribute("aria-expanded", "true");
      }
    });
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
    detailButtons(table);
    var box = document.getElementById(el.getAttribute("data-filters"));
    if (!box) return;
    box.hidden = false;
    box.querySelectorAll("select[data-filter]").forEach(function (select) {
      var key = select.getAttribute("data-filter");
      select.addEventListener("change", function () {
        var value = select.value;
        table.search.fixed(
          "filter-" + key,
          value
            ? function (_data, _rowData, index) {
                return table.row(index).node().getAttribute("data-f-" + key) === value;
              }
            : null
        );
        table.draw();
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
