// 四进 — the dashboard's charts (reports/dashboard.html). The numbers come from the page's json_script
// (#sj-dashboard-data), the legend's words from data- attributes: no inline script (Content-Security-Policy).
(function () {
  "use strict";
  var source = document.getElementById("sj-dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  // Tooltips drawn on the canvas: ECharts' HTML tooltips carry style="" markers the policy refuses.
  var tooltip = {renderMode: "richText"};

  function bar(id, pairs) {
    var el = document.getElementById(id);
    if (!el) { return; }
    echarts.init(el).setOption({
      tooltip: tooltip, grid: {left: 100, right: 20, top: 10, bottom: 20},
      xAxis: {type: "value", minInterval: 1},
      yAxis: {type: "category", data: pairs.map(function (p) { return p[0]; })},
      series: [{type: "bar", data: pairs.map(function (p) { return p[1]; })}]
    });
  }
  bar("chart-kind", data.by_kind);
  bar("chart-status", data.by_status);
  bar("chart-category", data.by_category);
  bar("chart-level", data.by_level);
  bar("chart-region", data.by_region);

  var trend = document.getElementById("chart-trend");
  if (trend) {
    var found = trend.dataset.found, solved = trend.dataset.solved;
    echarts.init(trend).setOption({
      tooltip: {renderMode: "richText", trigger: "axis"}, legend: {data: [found, solved]},
      grid: {left: 40, right: 20, top: 30, bottom: 30},
      xAxis: {type: "category", data: data.trend.map(function (w) { return w.week; })},
      yAxis: {type: "value", minInterval: 1},
      series: [{name: found, type: "line", data: data.trend.map(function (w) { return w.found; })},
               {name: solved, type: "line", data: data.trend.map(function (w) { return w.solved; })}]
    });
  }
})();
