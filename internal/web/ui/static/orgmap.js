// The map of the selected place's children on /org, drawn by ECharts from the GeoJSON the server
// sends (no internet tiles). Clicking a region opens that place.
(function () {
  'use strict';
  var el = document.getElementById('map');
  if (!el || typeof echarts === 'undefined') return;

  var palette = ['#cfe0ec', '#d6eadf', '#f0e2c8', '#e4d8ee', '#f3d4d0', '#d2e7ea', '#e8e6c9', '#dde2f3'];
  var code = el.dataset.code;
  var chart = echarts.init(el, null, { renderer: 'canvas' });

  function show(id) {
    var note = document.getElementById(id);
    if (note) note.hidden = false;
  }

  fetch(el.dataset.geo, { credentials: 'same-origin', headers: { Accept: 'application/geo+json' } })
    .then(function (res) {
      if (!res.ok) throw new Error('geo ' + res.status);
      return res.json();
    })
    .then(function (fc) {
      if (!fc.features || fc.features.length === 0) {
        el.hidden = true;
        el.dataset.state = 'empty';
        show('map-empty');
        return;
      }
      // Labels drop the parent's name that children often repeat (书香社区第1网格 → 第1网格).
      var parent = el.dataset.name || '';
      var names = {}, labels = {};
      fc.features.forEach(function (f) {
        var name = f.properties.name;
        names[f.properties.code] = name;
        labels[f.properties.code] = parent && name.indexOf(parent) === 0 && name.length > parent.length ? name.slice(parent.length) : name;
      });
      var mapName = 'place-' + code;
      echarts.registerMap(mapName, fc);
      chart.on('finished', function () {
        el.dataset.state = 'drawn';
        el.dataset.regions = String(fc.features.length);
      });
      chart.setOption({
        animation: false,
        tooltip: { trigger: 'item', formatter: function (p) { return names[p.name] || p.name; } },
        series: [{
          type: 'map',
          map: mapName,
          nameProperty: 'code',
          roam: true,
          selectedMode: false,
          label: { show: true, color: '#1d2833', fontSize: 12, formatter: function (p) { return labels[p.name] || ''; } },
          labelLayout: { hideOverlap: true },
          itemStyle: { borderColor: '#ffffff', borderWidth: 1.5 },
          emphasis: { itemStyle: { areaColor: '#9ec3dd' }, label: { color: '#16425f', fontWeight: 'bold' } },
          data: fc.features.map(function (f, i) {
            return { name: f.properties.code, itemStyle: { areaColor: palette[i % palette.length] } };
          })
        }]
      });
      chart.on('click', function (p) {
        if (p.name && p.name !== code) {
          window.location.href = el.dataset.select + encodeURIComponent(p.name);
        }
      });
      window.addEventListener('resize', function () { chart.resize(); });
    })
    .catch(function () {
      el.dataset.state = 'error';
      show('map-error');
    });
})();
