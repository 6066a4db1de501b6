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
    // A fresh success clears an old error; an error answer retargeted here stays. What a page
    // loads by itself (the X-Assay-Background header: a span's proposals) answers no act of
    // the reader's and clears nothing.
    const config = event.detail.requestConfig;
    if (config && config.headers && config.headers["X-Assay-Background"]) return;
    if (box && xhr && xhr.status < 400 && event.detail.target !== box) box.replaceChildren();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-dismiss-error]")) {
      document.getElementById("errors").replaceChildren();
    }
  });
})();

// The import page: the upload's progress, then the import's, which the server streams as JSON
// lines ({"done", "read"} while it runs, {"status", "html"} at the end). Without this script
// the form posts as usual and the page answers with the result.
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
    const result = document.getElementById("import-result");
    result.outerHTML = html;
    box.hidden = true;
    button.disabled = false;
    const fresh = document.getElementById("import-result");
    if (fresh && window.htmx) window.htmx.process(fresh);
  };
  const xhr = new XMLHttpRequest();
  let seen = 0;
  const read = function () {
    const text = xhr.responseText;
    const end = text.lastIndexOf("\n");
    if (end < seen) return;
    const lines = text.slice(seen, end).split("\n").filter(Boolean);
    seen = end + 1;
    for (const line of lines) {
      const message = JSON.parse(line);
      if (message.html !== undefined) finish(message.html);
      else {
        const share = message.read == null ? "" : " (" + Math.round(message.read * 100) + " % of the file)";
        show("Importing… " + message.done.toLocaleString() + " records read" + share, message.read == null ? null : message.read * 100);
      }
    }
  };
  xhr.open("POST", form.action);
  xhr.setRequestHeader("Accept", "application/x-ndjson");
  xhr.upload.onprogress = function (e) {
    if (e.lengthComputable) show("Uploading… " + Math.round((e.loaded / e.total) * 100) + " %", (e.loaded / e.total) * 100);
  };
  xhr.upload.onload = function () { show("Uploaded; importing…", null); };
  xhr.onprogress = read;
  const failed = function (why) {
    finish('<section id="import-result" aria-live="polite"><p class="error-box" role="alert">' + why + "</p></section>");
  };
  xhr.onload = function () {
    const type = xhr.getResponseHeader("Content-Type") || "";
    if (type.startsWith("application/x-ndjson")) {
      read();
      if (!box.hidden) failed("The import stopped before its end: nothing was imported. Try again.");
    } else if (/^<section id="import-result"/.test(xhr.responseText.trim())) {
      finish(xhr.responseText); // refused before the import began: the result fragment
    } else {
      // A login page (the session ended), a refused request, a server error.
      failed("The import could not start (HTTP " + xhr.status + "). Reload the page and try again.");
    }
  };
  xhr.onerror = function () {
    failed("The connection was lost. An import that did not finish imported nothing; reload the project to see.");
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
