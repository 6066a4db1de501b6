// The assign page's keys: a to the annotators, k to the number per article, u to the first
// Unassign button, ? to the help line. Enter in the form assigns, as in any form.
(() => {
  "use strict";
  const keys = {
    a: () => document.querySelector(".assign-people input"),
    k: () => document.getElementById("id_per_article"),
    u: () => document.querySelector("[data-unassign]"),
    "?": () => document.querySelector("main > p.muted"),
  };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input:not([type=checkbox]), select, textarea, [contenteditable]")) return;
    const target = keys[event.key]?.();
    if (!target) return;
    event.preventDefault();
    if (event.key === "?") target.setAttribute("tabindex", "-1");
    target.focus();
    target.scrollIntoView({ block: "nearest" });
  });
  // A refused assignment: its message first.
  document.getElementById("assign-error")?.setAttribute("tabindex", "-1");
  document.getElementById("assign-error")?.focus();
})();
