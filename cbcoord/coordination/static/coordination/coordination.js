// The coordination pages' charts: each <script type="application/json"
// data-coordination-chart="ID"> holds a Vega-Lite spec (the one the meeting brief renders to SVG)
// drawn in the element of id ID with the vendored vega-embed, expressions interpreted (the
// Content-Security-Policy forbids eval; see vendor/vega/README.md). A heat map whose spec names
// a cellUrl asks htmx for a cell's activities and needs when a tile is clicked.
"use strict";
(function () {
  function draw() {
    var specs = document.querySelectorAll("script[type='application/json'][data-coordination-chart]");
    Array.prototype.forEach.call(specs, function (element) {
      var target = document.getElementById(element.getAttribute("data-coordination-chart"));
      if (!target || target.getAttribute("data-drawn")) {
        return;
      }
      target.setAttribute("data-drawn", "1");
      var spec = JSON.parse(element.textContent);
      var cellUrl = spec.usermeta && spec.usermeta.cellUrl;
      window
        .vegaEmbed(target, spec, {
          ast: true,
          expr: window.vegaInterpreter.expressionInterpreter,
          actions: false,
          defaultStyle: false,
          renderer: "svg",
        })
        .then(function (result) {
          target.setAttribute("data-rendered", "1");
          if (cellUrl && window.htmx) {
            result.view.addEventListener("click", function (event, item) {
              var datum = item && item.datum;
              if (!datum || !datum.iso || !datum.area) {
                return;
              }
              var url = cellUrl + (cellUrl.indexOf("?") < 0 ? "?" : "&") +
                "cell_member=" + encodeURIComponent(datum.iso) + "&area=" + encodeURIComponent(datum.area);
              window.htmx.ajax("GET", url, { target: "#cell-detail", swap: "innerHTML" });
            });
          }
        })
        .catch(function (error) {
          target.setAttribute("data-error", String(error));
        });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  document.addEventListener("htmx:afterSettle", draw);
})();
document.addEventListener("click", function (event) {
  var target = event.target;
  if (target instanceof HTMLElement && target.hasAttribute("data-print")) {
    window.print();
  }
});
