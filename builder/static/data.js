// The data screens (数据): charts drawn by Chart.js from the numbers each page carries in
// data-chart (the table below holds the same numbers, for screen readers and without
// JavaScript); the range form sent as soon as a preset is picked, and "custom" picked when a
// date is typed; the share-link builder's copy buttons. No inline code (CSP).
(function () {
  "use strict";
  var GREEN = "#06833f", BLUE = "#0969da", ORANGE = "#d4380d";
  var common = { responsive: true, maintainAspectRatio: false, animation: false };

  function dataOf(id) {
    var canvas = document.getElementById(id);
    return canvas && typeof Chart !== "undefined" ? [canvas, JSON.parse(canvas.dataset.chart)] : null;
  }

  var funnel = dataOf("funnel-chart");
  if (funnel) {
    new Chart(funnel[0], {
      type: "bar",
      data: { labels: funnel[1].labels, datasets: [{ label: funnel[1].visitorsLabel, data: funnel[1].visitors, backgroundColor: GREEN }] },
      options: Object.assign({}, common, { indexAxis: "y", plugins: { legend: { display: false } },
                                           scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } })
    });
  }

  var buyers = dataOf("buyers-chart");
  if (buyers) {
    new Chart(buyers[0], {
      type: "doughnut",
      data: { labels: buyers[1].labels, datasets: [{ data: buyers[1].values, backgroundColor: [BLUE, GREEN] }] },
      options: Object.assign({}, common, { plugins: { legend: { position: "bottom" } } })
    });
  }

  var channels = dataOf("channels-chart");
  if (channels) {
    new Chart(channels[0], {
      type: "bar",
      data: { labels: channels[1].labels, datasets: [
        { label: channels[1].visitorsLabel, data: channels[1].visitors, backgroundColor: BLUE, yAxisID: "visitors" },
        { label: channels[1].gmvLabel, data: channels[1].gmv, backgroundColor: ORANGE, yAxisID: "gmv" }] },
      options: Object.assign({}, common, { plugins: { legend: { position: "bottom" } }, scales: {
        visitors: { position: "left", beginAtZero: true, ticks: { precision: 0 } },
        gmv: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } } } })
    });
  }

  var rangeForm = document.querySelector("[data-range-form]");
  if (rangeForm) {
    rangeForm.querySelectorAll("input[name=range]").forEach(function (radio) {
      radio.addEventListener("change", function () {
        if (radio.value !== "custom") rangeForm.submit();
        else { var from = rangeForm.querySelector("#from"); if (from) from.focus(); }
      });
    });
    rangeForm.querySelectorAll("input[type=date]").forEach(function (input) {
      input.addEventListener("input", function () {
        var custom = rangeForm.querySelector("input[name=range][value=custom]");
        if (custom) custom.checked = true;
      });
    });
  }

  var result = document.querySelector("[data-share-result]");
  if (result) {
    var status = result.querySelector(".copied");
    result.querySelectorAll("[data-copy]").forEach(function (button) {
      var input = document.getElementById(button.dataset.copy);
      button.hidden = false;
      button.addEventListener("click", function () {
        input.select();
        var done = function () { status.textContent = status.dataset.copiedText; };
        var failed = function () { status.textContent = status.dataset.copyFailedText; };
        if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(input.value).then(done, failed);
        else { try { document.execCommand("copy") ? done() : failed(); } catch (e) { failed(); } }
      });
    });
  }
})();
