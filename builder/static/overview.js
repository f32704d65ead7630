// The console's 概况: draws the 30-day chart from the numbers the page carries (data-chart),
// then asks /console/overview.json every minute and writes the new figures, to-do counts and
// chart in place, so the page stays current without a reload. Without JavaScript the page
// shows the figures it was served with.
(function () {
  "use strict";
  var box = document.querySelector("[data-overview]");
  var canvas = document.getElementById("overview-chart");
  if (!box) return;
  var REFRESH_MS = 60000;
  var chart = null;

  function drawChart(data) {
    if (!canvas || typeof Chart === "undefined") return;
    if (chart) {
      chart.data.labels = data.labels;
      chart.data.datasets[0].data = data.gmv;
      chart.data.datasets[1].data = data.orders;
      chart.update("none");
      return;
    }
    chart = new Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: data.gmvLabel, data: data.gmv, backgroundColor: "#06833f", yAxisID: "gmv", order: 2 },
          { type: "line", label: data.ordersLabel, data: data.orders, borderColor: "#0969da", backgroundColor: "#0969da",
            yAxisID: "orders", order: 1, tension: 0.25, pointRadius: 2 }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom" } },
        scales: {
          gmv: { type: "linear", position: "left", beginAtZero: true },
          orders: { type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                    ticks: { precision: 0 } }
        }
      }
    });
  }

  function setText(root, selector, text) {
    var node = root.querySelector(selector);
    if (node && node.textContent !== String(text)) node.textContent = text;
  }

  function apply(overview) {
    overview.cards.forEach(function (card) {
      var metric = box.querySelector('[data-metric="' + card.key + '"]');
      if (!metric) return;
      setText(metric, "[data-value]", card.value);
      setText(metric, "[data-yesterday]", card.yesterday);
      var change = metric.querySelector("[data-change]");
      if (change) {
        change.textContent = card.change;
        change.className = "trend trend-" + card.trend;
        change.dataset.trend = card.trend;
      }
    });
    overview.todos.forEach(function (todo) {
      var item = document.querySelector('[data-todo="' + todo.key + '"]');
      if (!item) return;
      var count = item.querySelector("[data-count]");
      count.textContent = todo.count;
      count.classList.toggle("todo-open", todo.count > 0);
    });
    drawChart(overview.chart);
  }

  function refresh() {
    if (document.hidden) return;  // a background tab asks again when shown
    fetch(box.dataset.overview, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (overview) { if (overview) apply(overview); })
      .catch(function () {});  // offline for a moment: the next minute tries again
  }

  if (canvas) drawChart(JSON.parse(canvas.dataset.chart));
  setInterval(refresh, REFRESH_MS);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();
