// Charts of the console's data screens, drawn by Chart.js from the numbers the page carries in
// data-chart (the tables beside them hold the same numbers for screen readers and no-JS).
// A bucket hidden for having fewer than 5 members is null: it draws no bar.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  var GREEN = "#06833f";
  var PALETTE = ["#06833f", "#2da44e", "#4ac26b", "#0969da", "#54aeff", "#bf8700", "#d4a72c", "#8250df", "#cf222e", "#656d76"];
  var common = { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } } };

  var rfm = document.getElementById("rfm-chart");
  if (rfm) {
    var data = JSON.parse(rfm.dataset.chart);
    new Chart(rfm, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ label: data.membersLabel, data: data.members, backgroundColor: PALETTE }] },
      options: Object.assign({}, common, { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } })
    });
  }

  var source = document.getElementById("portrait");
  if (!source) return;
  var charts = JSON.parse(source.dataset.chart);
  document.querySelectorAll("canvas[data-portrait]").forEach(function (canvas) {
    var series = charts[canvas.dataset.portrait];
    var label = canvas.dataset.series === "orders" ? charts.ordersLabel : charts.membersLabel;
    if (canvas.dataset.kind === "doughnut") {
      new Chart(canvas, {
        type: "doughnut",
        data: { labels: series.labels, datasets: [{ label: label, data: series.values, backgroundColor: PALETTE }] },
        options: Object.assign({}, common, { plugins: { legend: { display: true, position: "right" } } })
      });
      return;
    }
    var axis = canvas.dataset.axis === "y" ? "y" : "x";
    var value = axis === "y" ? "x" : "y";
    var scales = {};
    scales[value] = { beginAtZero: true, ticks: { precision: 0 } };
    new Chart(canvas, {
      type: "bar",
      data: { labels: series.labels, datasets: [{ label: label, data: series.values, backgroundColor: GREEN }] },
      options: Object.assign({}, common, { indexAxis: axis, scales: scales })
    });
  });
})();
