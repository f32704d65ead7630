// The billing overview's two charts, drawn by Chart.js from the numbers the page carries in
// data-chart (the table below them holds the same numbers for screen readers and no-JS).
(function () {
  "use strict";
  var source = document.getElementById("revenue-chart");
  if (!source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.dataset.chart);
  var common = { responsive: true, maintainAspectRatio: false, animation: false,
                 plugins: { legend: { display: false } } };
  new Chart(source, {
    type: "bar",
    data: { labels: data.labels, datasets: [{ label: data.revenueLabel, data: data.revenue, backgroundColor: "#06833f" }] },
    options: Object.assign({}, common, { scales: { y: { beginAtZero: true } } })
  });
  new Chart(document.getElementById("churn-chart"), {
    type: "line",
    data: { labels: data.labels, datasets: [{ label: data.churnLabel, data: data.churn, borderColor: "#cf222e",
                                              backgroundColor: "#cf222e", spanGaps: false }] },
    options: Object.assign({}, common, { scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return v + "%"; } } } } })
  });
})();
