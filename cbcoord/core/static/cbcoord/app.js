// cbcoord's own script: small behaviours that the Content-Security-Policy allows only from a
// file of the site (no inline handlers). Pages work without it.
"use strict";
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-submit-on-change")) {
    target.form.submit();
  }
});
