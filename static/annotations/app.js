/* Assay: page-wide htmx glue. Errors land in the #errors alert region; nothing breaks the page. */
(function () {
  "use strict";

  let errorShownAt = -Infinity; // when the error now shown was shown (performance.now())

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
    errorShownAt = performance.now();
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
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.xhr) event.detail.xhr.assaySentAt = performance.now();
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    const xhr = event.detail.xhr;
    const box = document.getElementById("errors");
    // A fresh success clears an old error: one shown before the reader acted again. An error
    // that came while this request was on its way (another of several spans saved at once,
    // refused) is news this success does not answer: it stays. So does an error answer
    // retargeted here. What a page loads by itself (the X-Assay-Background header: a span's
    // proposals) answers no act of the reader's and clears nothing.
    const config = event.detail.requestConfig;
    if (config && config.headers && config.headers["X-Assay-Background"]) return;
    if (!box || !xhr) return;
    // When the reader acted: a page script may say (a span saved while others are queued
    // was asked for at its key press, not when its turn came), else when it was sent.
    const acted = config && config.assayActedAt !== undefined ? config.assayActedAt : xhr.assaySentAt;
    if (event.detail.target === box) errorShownAt = performance.now();
    else if (xhr.status < 400 && !(errorShownAt > acted)) box.replaceChildren();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-dismiss-error]")) {
      document.getElementById("errors").replaceChildren();
    }
  });
})();

// The import page: the upload's progress, then the job's page, where the import runs (the
// server answers HX-Redirect to it), or the refusal's fragment (a format that does not fit the
// file, with the one that does). Without this script the form posts as usual and the server
// redirects to the job's page.
document.addEventListener("submit", function (event) {
  const form = event.target.closest("form[data-import-progress]");
  if (!form) return;
  event.preventDefault();
  const box = document.getElementById("import-progress");
  const bar = document.getElementById("upload-bar");
  const status = document.getElementById("import-status");
  const button = form.querySelector("button[type=submit]");
  const show = function (message, percent) {
    status.textContent = message;
    if (percent == null) bar.removeAttribute("value");
    else bar.value = percent;
  };
  const finish = function (html) {
    document.getElementById("import-result").outerHTML = html;
    box.hidden = true;
    button.disabled = false;
    const fresh = document.getElementById("import-result");
    if (fresh && window.htmx) window.htmx.process(fresh);
  };
  const failed = function (why) {
    finish('<section id="import-result" aria-live="polite"><p class="error-box" role="alert">' + why + "</p></section>");
  };
  const xhr = new XMLHttpRequest();
  xhr.open("POST", form.action);
  xhr.setRequestHeader("HX-Request", "true");
  xhr.upload.onprogress = function (e) {
    if (e.lengthComputable) show("Uploading… " + Math.round((e.loaded / e.total) * 100) + " %", (e.loaded / e.total) * 100);
  };
  xhr.upload.onload = function () { show("Uploaded; starting the import…", null); };
  xhr.onload = function () {
    const next = xhr.getResponseHeader("HX-Redirect");
    if (next) {
      show("Uploaded; the import runs on the server. Opening its page…", 100);
      window.location.assign(next);
    } else if (/^<section id="import-result"/.test(xhr.responseText.trim())) {
      finish(xhr.responseText); // refused before the job was queued: the result fragment
    } else {
      // A login page (the session ended), a refused request, a server error.
      failed("The import could not start (HTTP " + xhr.status + "). Reload the page and try again.");
    }
  };
  xhr.onerror = function () {
    failed("The connection was lost before the upload finished: nothing was imported. Try again.");
  };
  box.hidden = false;
  button.disabled = true;
  show("Uploading…", 0);
  xhr.send(new FormData(form));
});

// The import page's suggestion for a refused file ("This looks like a doccano file"): import
// the same file again in that format.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-import-as]");
  const form = document.querySelector("form[data-import-progress]");
  if (!button || !form) return;
  form.querySelector("select[name=format]").value = button.dataset.importAs;
  form.requestSubmit();
});
