// Charts: each <script type="application/json" data-chart="ID"> holds a Vega-Lite spec (made
// with Altair by the server, the same spec the PDF renders with vl-convert); this draws it in
// the element of id ID. Vega's expressions are interpreted, not compiled with new Function: the
// Content-Security-Policy forbids eval (vendor/vega/README.md).
"use strict";
(function () {
  function draw() {
    var specs = document.querySelectorAll("script[type='application/json'][data-chart]");
    Array.prototype.forEach.call(specs, function (element) {
      var target = document.getElementById(element.getAttribute("data-chart"));
      if (!target || target.getAttribute("data-drawn")) {
        return;
      }
      target.setAttribute("data-drawn", "1");
      var spec = JSON.parse(element.textContent);
      window
        .vegaEmbed(target, spec, {
          ast: true,
          expr: window.vegaInterpreter.expressionInterpreter,
          actions: false,
          defaultStyle: false,
          tooltip: false,
          renderer: "svg",
        })
        .then(function () {
          target.setAttribute("data-rendered", "1");
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
