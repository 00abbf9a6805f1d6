// The report page's behaviour: sort and filter the task table, and show one task's page at a
// time (each task's trajectory is a section of this same file, so the page stays one file).
(function () {
  "use strict";
  var table = document.getElementById("tasks");
  if (!table) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var search = document.getElementById("filter");
  var status = document.getElementById("status-filter");
  var group = document.getElementById("group-filter");
  var shown = document.getElementById("shown");

  function apply() {
    var query = search.value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (row) {
      var ok =
        (!query || row.textContent.toLowerCase().indexOf(query) >= 0) &&
        (!status.value || row.dataset.status === status.value) &&
        (!group.value || row.dataset.group === group.value);
      row.hidden = !ok;
      if (ok) count += 1;
    });
    shown.textContent = count + " of " + rows.length + " tasks shown";
  }

  function key(row, index) {
    var cell = row.cells[index];
    return cell.dataset.v !== undefined ? parseFloat(cell.dataset.v) : cell.textContent;
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
    header.tabIndex = 0;
    function sort() {
      var ascending = header.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
        other.removeAttribute("aria-sort");
      });
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var x = key(a, index), y = key(b, index);
        var order = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    }
    header.addEventListener("click", sort);
    header.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
    });
  });
  [search, status, group].forEach(function (control) {
    control.addEventListener("input", apply);
    control.addEventListener("change", apply);
  });
  apply();

  function route() {
    var id = decodeURIComponent(location.hash.slice(1));
    var page = id ? document.getElementById(id) : null;
    var isTask = !!page && page.classList.contains("task-page");
    document.getElementById("main").hidden = isTask;
    Array.prototype.forEach.call(document.querySelectorAll(".task-page"), function (section) {
      section.hidden = section !== page;
    });
    if (isTask) window.scrollTo(0, 0);
  }
  window.addEventListener("hashchange", route);
  route();
})();
