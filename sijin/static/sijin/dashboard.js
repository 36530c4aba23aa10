// 四进 — the dashboard's charts (reports/dashboard.html). The numbers come from the page's json_script
// (#sj-dashboard-data), the legend's words from data- attributes: no inline script (Content-Security-Policy).
// Every bar, week and county carries the 问题台账 address of the rows it counts: a click opens it.
(function () {
  "use strict";
  var source = document.getElementById("sj-dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  // Tooltips drawn on the canvas: ECharts' HTML tooltips carry style="" markers the policy refuses.
  var tooltip = {renderMode: "richText"};
  var charts = [];

  function open(url) { if (url) { window.location.href = url; } }

  function bar(id, bars) {
    var el = document.getElementById(id);
    if (!el || !bars) { return; }
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: tooltip, grid: {left: 100, right: 20, top: 10, bottom: 20},
      xAxis: {type: "value", minInterval: 1},
      yAxis: {type: "category", inverse: true, data: bars.map(function (b) { return b.label; })},
      series: [{type: "bar", data: bars.map(function (b) {
        return {value: b.n, cursor: b.url ? "pointer" : "default"};
      })}]
    });
    chart.on("click", function (p) { open(bars[p.dataIndex] && bars[p.dataIndex].url); });
    charts.push(chart);
  }
  bar("chart-kind", data.charts.kind);
  bar("chart-status", data.charts.status);
  bar("chart-category", data.charts.category);
  bar("chart-level", data.charts.level);
  bar("chart-region", data.charts.region);

  var trend = document.getElementById("chart-trend");
  if (trend) {
    var found = trend.dataset.found, solved = trend.dataset.solved, weeks = data.trend;
    var long = weeks.length > 26;
    var chart = echarts.init(trend);
    chart.setOption({
      tooltip: {renderMode: "richText", trigger: "axis"}, legend: {data: [found, solved]},
      grid: {left: 40, right: 20, top: 30, bottom: long ? 60 : 30},
      dataZoom: long ? [{type: "slider", startValue: weeks.length - 26, endValue: weeks.length - 1}] : [],
      xAxis: {type: "category", data: weeks.map(function (w) { return w.week; })},
      yAxis: {type: "value", minInterval: 1},
      series: [{name: found, type: "line", data: weeks.map(function (w) { return w.found; })},
               {name: solved, type: "line", data: weeks.map(function (w) { return w.solved; })}]
    });
    // A click anywhere over a week opens that week's problems (not only on the line's small dots).
    chart.getZr().on("click", function (e) {
      var point = [e.offsetX, e.offsetY];
      if (!chart.containPixel("grid", point)) { return; }
      var week = weeks[Math.round(chart.convertFromPixel({xAxisIndex: 0}, point[0]))];
      if (week && week.found) { open(week.url); }
    });
    charts.push(chart);
  }

  // The county map: boundaries fetched on demand (one vendored file per prefecture), only the counties in
  // the user's scope kept; no file or no county means no map at all.
  var mapEl = document.getElementById("chart-map"), mapBox = document.getElementById("sj-map-box");
  function noMap() { if (mapBox) { mapBox.hidden = true; } }
  if (mapEl && data.map) {
    var counties = {};
    data.map.counties.forEach(function (c) { counties[c.adcode] = c; });
    var measure = "problems";
    var mapChart = null;
    var drawMap = function () {
      var rows = data.map.counties, max = 1;
      rows.forEach(function (c) { max = Math.max(max, c[measure]); });
      var words = {problems: mapEl.dataset.problems, overdue: mapEl.dataset.overdue};
      mapChart.setOption({
        tooltip: {renderMode: "richText", formatter: function (p) {
          var c = p.data && p.data.county;
          return c ? c.name + "\n" + words.problems + " " + c.problems + "\n" + words.overdue + " " + c.overdue : "";
        }},
        visualMap: {min: 0, max: max, left: 0, bottom: 0, itemHeight: 80, text: [String(max), "0"],
                    calculable: false,
                    inRange: {color: measure === "overdue" ? ["#fff5f5", "#dc3545"] : ["#eef4ff", "#0d6efd"]}},
        series: [{type: "map", map: "sj-counties", selectedMode: false, roam: false,
                  label: {show: rows.length <= 40, fontSize: 10,
                          formatter: function (p) { return p.data ? p.data.county.name : ""; }},
                  data: rows.map(function (c) {
                    return {name: c.adcode, value: c[measure], county: c,
                            cursor: (measure === "overdue" ? c.overdue_url : c.url) ? "pointer" : "default"};
                  })}]
      }, true);
    };
    Promise.all(data.map.files.map(function (url) {
      return fetch(url, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : {}; });
    })).then(function (collections) {
      var features = [];
      collections.forEach(function (fc) {
        (fc.features || []).forEach(function (f) {
          var code = String((f.properties || {}).adcode);
          if (counties[code]) {
            features.push({type: "Feature", properties: {name: code}, geometry: f.geometry});
          }
        });
      });
      if (!features.length) { noMap(); return; }
      echarts.registerMap("sj-counties", {type: "FeatureCollection", features: features});
      mapChart = echarts.init(mapEl);
      drawMap();
      mapChart.on("click", function (p) {
        var c = p.data && p.data.county;
        if (c) { open(measure === "overdue" ? c.overdue_url : c.url); }
      });
      charts.push(mapChart);
      mapEl.dataset.ready = String(features.length);  // the browser test waits for this
    }).catch(noMap);

    Array.prototype.forEach.call(document.querySelectorAll("[data-map-measure]"), function (button) {
      button.addEventListener("click", function () {
        measure = button.dataset.mapMeasure;
        Array.prototype.forEach.call(document.querySelectorAll("[data-map-measure]"), function (b) {
          var on = b === button;
          b.classList.toggle("active", on);
          b.setAttribute("aria-pressed", on ? "true" : "false");
        });
        if (mapChart) { drawMap(); }
      });
    });
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
