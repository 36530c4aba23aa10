// The API's documentation page (/api/v1/docs): Swagger UI, vendored under static/vendor/swagger-ui-dist.
// Its settings come in a JSON data block, since the site's CSP allows no inline script. Requests made from the
// page with the session (not a token) carry the CSRF token, as the site's own forms do.
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("swagger-settings").textContent);
  var csrf = document.getElementById("swagger-ui").dataset.csrfToken;
  settings.dom_id = "#swagger-ui";
  settings.layout = "BaseLayout";
  settings.presets = [window.SwaggerUIBundle.presets.apis];
  settings.requestInterceptor = function (request) {
    if (csrf) {
      request.headers["X-CSRFToken"] = csrf;
    }
    return request;
  };
  window.ui = window.SwaggerUIBundle(settings);
})();
