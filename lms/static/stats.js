// The statistics pages' charts: each .chart holds its ECharts options, built on the server (lms/stats/queries.py).
(function () {
  'use strict';
  function draw() {
    if (!window.echarts) return;
    var charts = [];
    document.querySelectorAll('.chart[data-option]').forEach(function (el) {
      var chart = window.echarts.init(el, null, { renderer: 'canvas' });
      chart.setOption(JSON.parse(el.getAttribute('data-option')));
      el.setAttribute('data-drawn', '1');
      charts.push(chart);
    });
    window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw); else draw();
})();
