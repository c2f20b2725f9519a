// swagger-init.js starts Swagger UI on the /docs page with the spec URL from the
// #swagger-ui element. It replaces swagger-ui-dist's own initializer, which points at
// the public petstore, and turns off the online validator badge (validator.swagger.io)
// so the page makes no request outside this server.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    validatorUrl: null,
    queryConfigEnabled: false,
    displayRequestDuration: true,
    persistAuthorization: false,
  });
})();
