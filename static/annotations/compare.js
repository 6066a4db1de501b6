// The compare and adjudicate page by keyboard: n/p move between the disagreements left to
// settle, j/k between spans; g promotes the span in focus, x removes a gold span, e edits one,
// u/m curate the article. The server answers with the rows it changed (htmx, out of band).
(() => {
  "use strict";
  const tools = document.getElementById("cmp-tools");
  if (!tools || !window.htmx) return;
  const help = document.getElementById("help");
  const editor = document.getElementById("gold-editor");
  const info = document.getElementById("focus-info");
  const promote = document.getElementById("act-promote");
  const remove = document.getElementById("act-remove");
  const edit = document.getElementById("act-edit");
  const laneNames = Array.from(document.querySelectorAll(".cmp-lanes > div")).map((d) => d.textContent);
  let spanId = null; // the span in focus
  let placeId = null; // its place

  const urlFor = (name, pk) => tools.dataset[`${name}Url`].replace(/\/0\/([a-z]+\/)$/, `/${pk}/$1`);
  const chips = () => Array.from(document.querySelectorAll("#cmp-rows .cspan"));
  const head = document.querySelector(".cmp-head");
  // The two sticky bars' heights: the lanes' heads stick below the toolbar, and what is scrolled
  // to (the address's #s-<pk>, a focus) lands below both (compare.css, scroll-padding-top).
  const setToolsHeight = () => {
    const root = document.documentElement.style;
    root.setProperty("--tools-h", `${tools.offsetHeight}px`);
    if (head) root.setProperty("--head-h", `${head.offsetHeight}px`);
  };

  const describe = (chip) => {
    if (!chip) return null;
    const cell = chip.closest(".cell");
    const index = Array.from(cell.parentElement.children).indexOf(cell);
    const owner = chip.hasAttribute("data-gold") ? "Gold" : `${laneNames[index] || "?"}'s`;
    const label = chip.querySelector(".cs-label").textContent;
    const where = chip.querySelector(".cs-off").textContent;
    return `${owner} ${label}, ${where}: “${chip.querySelector(".cs-text").textContent}”`;
  };

  const update = () => {
    const chip = spanId && document.getElementById(`s-${spanId}`);
    const gold = Boolean(chip && chip.hasAttribute("data-gold"));
    promote.action = chip && !gold ? urlFor("promote", spanId) : "";
    promote.querySelector("button").disabled = !chip || gold;
    remove.action = gold ? urlFor("remove", spanId) : "";
    remove.querySelector("button").disabled = !gold;
    edit.href = gold ? urlFor("edit", spanId) : "#cmp-tools";
    edit.classList.toggle("disabled", !gold);
    edit.toggleAttribute("aria-disabled", !gold);
    info.textContent = chip
      ? describe(chip)
      : "No span in focus: n goes to the next disagreement, j to the next span.";
    setToolsHeight();
  };

  const clearCurrent = () =>
    document
      .querySelectorAll(".cspan.current, .place.current, mark.pm.current")
      .forEach((el) => el.classList.remove("current"));

  const focusChip = (chip, scroll = true) => {
    clearCurrent();
    if (!chip) {
      spanId = null;
      update();
      return;
    }
    spanId = chip.id.slice(2);
    const place = chip.closest(".place");
    placeId = place.dataset.place;
    chip.classList.add("current");
    place.classList.add("current");
    document
      .querySelectorAll(`mark.pm[data-spans="${placeId}"]`)
      .forEach((mark) => mark.classList.add("current"));
    chip.focus({ preventScroll: true });
    if (scroll) place.scrollIntoView({ block: "center" });
    update();
  };

  const firstChip = (place) =>
    place.querySelector(".cell:not(.gold-cell) .cspan") || place.querySelector(".cspan");

  const moveSpan = (step) => {
    const all = chips();
    if (!all.length) return;
    const index = all.findIndex((chip) => chip.id.slice(2) === spanId);
    const next = index < 0 ? (step > 0 ? all[0] : all[all.length - 1]) : all[index + step];
    if (next) focusChip(next);
  };

  const moveDisagreement = (step) => {
    const places = Array.from(document.querySelectorAll("#cmp-rows .place"));
    const here = places.findIndex((place) => place.dataset.place === placeId);
    const wanted = (place) =>
      place.classList.contains("open") && !place.matches(".k-same, .k-gold");
    let index = here;
    for (;;) {
      index = index < 0 ? (step > 0 ? 0 : places.length - 1) : index + step;
      if (index < 0 || index >= places.length) {
        say(step > 0 ? "No disagreement left to settle below." : "No disagreement left to settle above.");
        return;
      }
      if (wanted(places[index])) break;
    }
    focusChip(firstChip(places[index]));
  };

  const say = (message) => {
    const live = document.getElementById("live");
    if (live) live.textContent = message;
  };

  const post = (form) => {
    if (!spanId) return say("No span in focus: n or j picks one.");
    if (!form.action || form.querySelector("button").disabled) {
      return say(form === promote ? "This is a gold span already." : "Only a gold span is removed from gold.");
    }
    htmx.ajax("POST", form.action, { source: form, swap: "none" });
  };

  const openEditor = () => {
    if (edit.classList.contains("disabled")) return say("Only a gold span is edited here: k or j to one.");
    htmx
      .ajax("GET", edit.href, { source: tools, target: "#gold-editor-body", swap: "innerHTML" })
      .then(() => {
        editor.showModal();
        editor.querySelector("select")?.focus();
      });
  };

  // After a swap the rows are new elements: focus the same span again, else its place's
  // first span (a gold span removed), else nothing.
  document.body.addEventListener("htmx:afterSettle", () => {
    if (!spanId) return;
    const chip = document.getElementById(`s-${spanId}`);
    const place = document.getElementById(`place-${placeId}`);
    focusChip(chip || (place && firstChip(place)), false);
  });
  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.elt?.id === "gold-form" && event.detail.successful) editor.close();
  });
  editor.addEventListener("close", () => {
    const chip = spanId && document.getElementById(`s-${spanId}`);
    if (chip) chip.focus({ preventScroll: true });
  });
  editor.addEventListener("click", (event) => {
    if (event.target.closest("[data-close-editor]")) {
      event.preventDefault();
      editor.close();
    }
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form !== promote && form !== remove) return;
    event.preventDefault();
    post(form);
  });
  edit.addEventListener("click", (event) => {
    event.preventDefault();
    openEditor();
  });
  document.getElementById("help-button").addEventListener("click", () => help.showModal());

  document.getElementById("cmp-rows").parentElement.addEventListener("click", (event) => {
    const chip = event.target.closest(".cspan");
    if (chip) {
      event.preventDefault();
      focusChip(chip, false);
      return;
    }
    const mark = event.target.closest("mark.pm");
    const place = mark && document.getElementById(`place-${mark.dataset.spans}`);
    if (place) focusChip(firstChip(place));
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (help.open || editor.open) return; // a dialog's own keys (Esc closes it)
    if (event.target.closest("input, select, textarea, [contenteditable]")) return;
    const curate = (strategy) =>
      document.querySelector(`#curate-form button[value="${strategy}"]`).click();
    const actions = {
      n: () => moveDisagreement(1),
      p: () => moveDisagreement(-1),
      j: () => moveSpan(1),
      k: () => moveSpan(-1),
      g: () => post(promote),
      x: () => post(remove),
      Delete: () => post(remove),
      e: openEditor,
      u: () => curate("unanimous"),
      m: () => curate("majority"),
      "?": () => help.showModal(),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  // A span picked by the address (?span=, as a page without this script does) is in focus.
  const picked = new URLSearchParams(location.search).get("span");
  const chip = picked && document.getElementById(`s-${picked}`);
  if (chip) focusChip(chip);
  else update();
  window.addEventListener("resize", setToolsHeight);
})();
