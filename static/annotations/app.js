/* Assay: page-wide htmx glue. Errors land in the #errors alert region; nothing breaks the page. */
(function () {
  "use strict";

  function showError(message) {
    const box = document.getElementById("errors");
    if (!box) return;
    const p = document.createElement("p");
    p.className = "error-msg";
    const span = document.createElement("span");
    span.textContent = message;
    const dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "dismiss";
    dismiss.setAttribute("data-dismiss-error", "");
    dismiss.setAttribute("aria-label", "Dismiss this message");
    dismiss.textContent = "×";
    p.append(span, " ", dismiss);
    box.replaceChildren(p);
  }
  window.assayShowError = showError;

  document.addEventListener("htmx:sendError", function () {
    showError("Connection lost: your change was not saved. Check the connection and try again.");
  });
  document.addEventListener("htmx:responseError", function (event) {
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 404) showError("Not found: it may have been deleted meanwhile. Reload the page.");
    else if (status === 403) showError("You are not allowed to do that.");
    else showError("The server could not do that (error " + status + "). Nothing was changed.");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    const xhr = event.detail.xhr;
    const box = document.getElementById("errors");
    // A fresh success clears an old error; an error answer retargeted here stays.
    if (box && xhr && xhr.status < 400 && event.detail.target !== box) box.replaceChildren();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-dismiss-error]")) {
      document.getElementById("errors").replaceChildren();
    }
  });
})();
