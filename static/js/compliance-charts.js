/* The twelve-month trend charts of the compliance dashboard, drawn with Apache ECharts (vendored) from
   the data the page carries in <script type="application/json" id="compliance-trend">. Every label comes
   from that data (translated on the server); the same figures are in the table under the charts. */
(function () {
  "use strict";

  var BLUE = "#0b4a8b";
  var SKY = "#7aa7d9";
  var GREEN = "#1f8a4c";
  var AMBER = "#d97706";
  var RED = "#b42318";
  var MUTED = "#5f6b7a";
  var LINE = "#e8ecf1";

  function base(data) {
    return {
      animation: false,
      textStyle: { fontFamily: '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif' },
      grid: { left: 44, right: 12, top: 36, bottom: 28 },
      legend: { top: 0, left: 0, itemWidth: 14, itemHeight: 8, textStyle: { color: MUTED, fontSize: 12 } },
      tooltip: { trigger: "axis" },
      xAxis: {
        type: "category",
        data: data.months.map(function (m) { return m.slice(2); }),
        axisLine: { lineStyle: { color: "#9aa5b4" } },
        axisLabel: { color: MUTED, fontSize: 11 },
        axisTick: { alignWithLabel: true }
      }
    };
  }

  function valueAxis(extra) {
    var axis = { type: "value", axisLabel: { color: MUTED, fontSize: 11 }, splitLine: { lineStyle: { color: LINE } } };
    for (var key in extra) { axis[key] = extra[key]; }
    return axis;
  }

  function line(name, values, color) {
    return { name: name, type: "line", data: values, connectNulls: false, symbolSize: 5, itemStyle: { color: color }, lineStyle: { width: 2 } };
  }

  function percentTooltip(params) {
    var lines = [params[0].axisValueLabel];
    params.forEach(function (p) {
      lines.push(p.marker + p.seriesName + "：" + (p.value == null ? "—" : p.value.toFixed(1) + "%"));
    });
    return lines.join("<br>");
  }

  var builders = {
    volume: function (data) {
      var option = base(data);
      option.yAxis = valueAxis({ minInterval: 1 });
      option.series = [
        { name: data.labels.received, type: "bar", data: data.received, itemStyle: { color: SKY }, barMaxWidth: 14 },
        { name: data.labels.completed, type: "bar", data: data.completed, itemStyle: { color: BLUE }, barMaxWidth: 14 }
      ];
      return option;
    },
    rates: function (data) {
      var option = base(data);
      var values = [].concat(data.on_time, data.satisfaction, data.coverage).filter(function (v) { return v != null; });
      var low = values.length ? Math.min.apply(null, values) : 0;
      option.yAxis = valueAxis({ min: Math.max(0, Math.floor(low / 10) * 10 - 10), max: 100, axisLabel: { color: MUTED, fontSize: 11, formatter: "{value}%" } });
      option.tooltip = { trigger: "axis", formatter: percentTooltip };
      option.series = [
        line(data.labels.on_time, data.on_time, BLUE),
        line(data.labels.satisfaction, data.satisfaction, GREEN),
        line(data.labels.coverage, data.coverage, AMBER)
      ];
      return option;
    },
    days: function (data) {
      var option = base(data);
      option.yAxis = valueAxis({ minInterval: 1 });
      option.series = [
        line(data.labels.median_days, data.median_days, BLUE),
        line(data.labels.p90_days, data.p90_days, RED)
      ];
      return option;
    }
  };

  function draw() {
    var source = document.getElementById("compliance-trend");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var build = builders[element.getAttribute("data-chart")];
      if (!build) { return; }
      var chart = window.echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(build(data));
      element.setAttribute("data-drawn", "true");
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
