// The review queue by keyboard: j/k (or arrows) move between spans, a/r/p set the status of
// the current one and move on to the next. htmx posts the choice and swaps the row.
(() => {
  "use strict";
  const rows = () => Array.from(document.querySelectorAll(".review-row"));
  let advanceFrom = null; // id of the row whose answer should move the focus on

  const current = () => document.activeElement?.closest?.(".review-row") || null;

  const move = (step) => {
    const all = rows();
    if (!all.length) return;
    const index = all.indexOf(current());
    const next = all[Math.min(all.length - 1, Math.max(0, index + step))] || all[0];
    next.focus();
    next.scrollIntoView({ block: "nearest" });
  };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, select, textarea, [contenteditable]")) return;
    const status = { a: "accepted", r: "rejected", p: "pending" }[event.key];
    if (event.key === "j" || event.key === "ArrowDown") move(1);
    else if (event.key === "k" || event.key === "ArrowUp") move(-1);
    else if (status) {
      const row = current(); // only the span in focus: j or a click picks one
      if (!row) return;
      const button = row.querySelector(`button[value="${status}"]:not([disabled])`);
      if (!button) return;
      advanceFrom = status === "pending" ? null : row.id;
      button.click();
    } else return;
    event.preventDefault();
  });

  document.body.addEventListener("htmx:afterSwap", (event) => {
    const row = event.detail.elt?.id ? document.getElementById(event.detail.elt.id) : null;
    if (!row || !row.classList.contains("review-row")) return;
    const all = rows();
    const failed = row.querySelector("[role=alert]");
    const target = advanceFrom === row.id && !failed ? all[all.indexOf(row) + 1] || row : row;
    advanceFrom = null;
    target.focus();
    target.scrollIntoView({ block: "nearest" });
  });
})();
