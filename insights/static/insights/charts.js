// Dashboard and comparable-price charts. Data comes from json_script blocks (no inline scripts: CSP).
(function () {
  "use strict";
  if (!window.Chart) {
    return;
  }
  var lang = (document.documentElement.lang || "zh-hans").toLowerCase();
  var locale = lang.indexOf("zh") === 0 ? "zh-CN" : "en";
  var numbers = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  var palette = ["#0b4f8a", "#f08c00", "#2b8a3e", "#c92a2a", "#5f3dc4", "#1098ad", "#868e96", "#e64980"];
  var format = function (value) {
    return typeof value === "number" ? numbers.format(value) : value;
  };
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false; // figures, not a show: render at once (also for printing and screenshots)

  function valueAxis(extra) {
    return Object.assign({ beginAtZero: true, ticks: { callback: format } }, extra || {});
  }

  function build(spec) {
    var kind = spec.kind;
    var type = kind === "hbar" ? "bar" : kind;
    var datasets = spec.datasets.map(function (d, i) {
      var colour = d.colour || palette[i % palette.length];
      var ds = Object.assign({}, d);
      delete ds.colour;
      if (type === "doughnut") {
        ds.backgroundColor = palette;
      } else if ((d.type || type) === "line") {
        ds.borderColor = colour;
        ds.backgroundColor = colour;
        ds.tension = 0.3;
        ds.pointRadius = 3;
      } else {
        ds.borderColor = colour;
        ds.backgroundColor = d.pointRadius ? colour : colour + "cc";
      }
      return ds;
    });
    var scales;
    if (type === "doughnut") {
      scales = {};
    } else if (kind === "hbar") {
      scales = { x: valueAxis(), y: { ticks: { autoSkip: false } } };
    } else if (kind === "scatter") {
      scales = {
        x: valueAxis({ title: { display: !!spec.x_title, text: spec.x_title } }),
        y: { ticks: { callback: format }, title: { display: !!spec.y_title, text: spec.y_title } },
      };
    } else {
      scales = { x: { stacked: spec.stacked, ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 12 } }, y: valueAxis({ stacked: spec.stacked }) };
      if (datasets.some(function (d) { return d.yAxisID === "y1"; })) {
        scales.y1 = valueAxis({ position: "right", grid: { drawOnChartArea: false } });
      }
    }
    return {
      type: type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        indexAxis: kind === "hbar" ? "y" : "x",
        interaction: kind === "scatter" ? { mode: "nearest", intersect: true } : { mode: "index", intersect: false },
        plugins: {
          legend: { display: datasets.length > 1 || type === "doughnut", position: "bottom", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var raw = ctx.raw;
                if (kind === "scatter") {
                  return ctx.dataset.label + ": " + format(raw.x) + " km · ¥" + format(raw.y);
                }
                return ctx.dataset.label + ": " + format(typeof raw === "object" && raw !== null ? raw.y : raw) + (spec.unit ? " " + spec.unit : "");
              },
            },
          },
        },
        scales: scales,
      },
    };
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (source) {
      new Chart(canvas, build(JSON.parse(source.textContent)));
    }
  });
})();
