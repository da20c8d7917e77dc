// The measures screens: dashboards and reports. The server sends every number; this file only draws
// the charts (ECharts, from the JSON each chart element carries in data-series) and makes the period
// pickers quicker to use. The page's Content-Security-Policy forbids inline scripts, so all of it
// lives here.
(function () {
  'use strict';

  // A period chosen from the chips takes effect at once; typing a day picks the custom period.
  document.addEventListener('change', function (e) {
    var el = e.target;
    if (el.matches && el.matches('input[data-autosubmit]') && el.checked && el.form) {
      el.form.requestSubmit();
      return;
    }
    if (el.matches && el.matches('#dash-days input[type="date"]')) {
      var custom = document.querySelector('#dash-form input[name="period"][value="custom"]');
      if (custom) custom.checked = true;
    }
  });

  if (typeof echarts === 'undefined') return;

  var colors = ['#1f5f8b', '#2f8f83', '#d08b2c', '#7a5ea8', '#b3261e'];
  var axisText = { color: '#5f6f7c', fontSize: 12 };
  var grid = { left: 48, right: 52, top: 40, bottom: 36, containLabel: true };

  var esc = echarts.format.encodeHTML;

  function percent(v) { return v === null || v === undefined ? '—' : v.toFixed(1) + '%'; }

  // trend: orders as bars on the left axis, the three rates as lines on the right one (in %).
  function trend(d) {
    return {
      color: colors,
      animation: false,
      grid: grid,
      legend: { top: 0, textStyle: axisText },
      tooltip: {
        trigger: 'axis',
        formatter: function (items) {
          var lines = [esc(items[0].axisValueLabel)];
          items.forEach(function (it) {
            var s = d.series[it.seriesIndex];
            lines.push(it.marker + esc(s.name) + '：' + (s.kind === 'line' ? percent(it.value) : it.value));
          });
          return lines.join('<br>');
        }
      },
      xAxis: { type: 'category', data: d.labels, axisLabel: axisText, axisTick: { alignWithLabel: true } },
      yAxis: [
        { type: 'value', minInterval: 1, axisLabel: axisText, splitLine: { lineStyle: { color: '#eef2f5' } } },
        { type: 'value', min: 0, max: 100, axisLabel: { color: '#5f6f7c', formatter: '{value}%' }, splitLine: { show: false } }
      ],
      series: d.series.map(function (s) {
        return s.kind === 'line'
          ? { name: s.name, type: 'line', yAxisIndex: 1, data: s.data, connectNulls: true, symbolSize: 6, smooth: false }
          : { name: s.name, type: 'bar', yAxisIndex: 0, data: s.data, barMaxWidth: 28, itemStyle: { borderRadius: [3, 3, 0, 0] } };
      })
    };
  }

  // top: the matters people called about most, most first, as horizontal bars.
  function top(d) {
    var paths = d.paths.slice().reverse();
    return {
      color: [colors[1]],
      animation: false,
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      tooltip: {
        trigger: 'item',
        formatter: function (p) { return esc(paths[p.dataIndex]) + '：' + p.value; }
      },
      xAxis: { type: 'value', minInterval: 1, axisLabel: axisText, splitLine: { lineStyle: { color: '#eef2f5' } } },
      yAxis: { type: 'category', data: d.labels.slice().reverse(), axisLabel: { color: '#1d2833', fontSize: 12, width: 120, overflow: 'truncate' } },
      series: [{
        type: 'bar', data: d.values.slice().reverse(), barMaxWidth: 18,
        label: { show: true, position: 'right', color: '#5f6f7c' },
        itemStyle: { borderRadius: [0, 3, 3, 0] }
      }]
    };
  }

  var builders = { trend: trend, top: top };
  var charts = [];
  document.querySelectorAll('[data-chart]').forEach(function (el) {
    var build = builders[el.dataset.chart];
    if (!build) return;
    var data;
    try {
      data = JSON.parse(el.dataset.series);
    } catch (err) {
      el.dataset.state = 'error';
      return;
    }
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.on('finished', function () { el.dataset.state = 'drawn'; });
    chart.setOption(build(data));
    charts.push(chart);
  });
  window.addEventListener('resize', function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
