/* Assay's annotate page.
 *
 * The server renders the text as <p class="para"> elements of segments (.seg) that carry
 * data-start, the code-point offset of their first character, and, when highlighted,
 * data-spans, the ids of the spans covering them (innermost first). The browser counts UTF-16
 * code units; every offset sent to the server is converted to code points here, so text after
 * an emoji or a flag annotates exactly.
 *
 * A new span is drawn at once over the selection (a "pending" highlight), before the server
 * answers; the server's paragraphs replace it when the answer is swapped in, and a refusal or
 * a lost connection puts the paragraphs back as the server last drew them.
 */
(function () {
  "use strict";

  const text = document.getElementById("doc-text");
  if (!text) return;
  const createForm = document.getElementById("span-create-form");
  const palette = document.getElementById("palette");
  const caret = document.getElementById("caret");
  const help = document.getElementById("help");
  const panelUrlTemplate = text.dataset.panelUrlTemplate; // ".../spans/0/"

  let current = null; // the current span's id, a string
  let moves = 0; // how many times the user has chosen the current span (j / k, a click, Esc)
  let pendingCaret = null;
  let lastSelection = null;
  const pending = []; // spans saved but not answered yet, in request order: {start, end, label, sent}
  const serverParas = new Map(); // paragraph id -> [the element drawn over, the server's version]

  // --- code points -----------------------------------------------------------------------

  function cpLength(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
      }
      n++;
    }
    return n;
  }

  function segStart(seg) {
    return Number(seg.dataset.start);
  }

  /* The last element of a live collection whose data-start is at or before ``offset``
     (binary search; paragraphs and their segments are in text order). */
  function lastAtOrBefore(elements, offset) {
    let lo = 0;
    let hi = elements.length - 1;
    let found = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (segStart(elements[mid]) <= offset) {
        found = elements[mid];
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /* The last segment that starts at or before ``offset``: its paragraph, then the segment.
     No index of all segments to keep up to date when htmx swaps paragraphs. */
  function segAt(offset) {
    const para = lastAtOrBefore(text.children, offset);
    return para ? lastAtOrBefore(para.children, offset) : null;
  }

  /* The character at a code-point offset; a paragraph break reads as "\n". */
  function charAt(offset) {
    const seg = segAt(offset);
    if (!seg) return "\n";
    const chars = Array.from(seg.textContent);
    const k = offset - segStart(seg);
    return k < chars.length ? chars[k] : "\n";
  }

  function firstSeg(node) {
    if (node.nodeType === Node.TEXT_NODE) return node.parentElement.closest(".seg");
    if (node.classList && node.classList.contains("seg")) return node;
    return node.querySelector ? node.querySelector(".seg") : null;
  }

  /* The code-point offset of a DOM boundary point inside the text, or null. */
  function offsetOf(node, offset) {
    if (node !== text && !text.contains(node)) return null;
    if (node.nodeType === Node.TEXT_NODE) {
      const seg = node.parentElement.closest(".seg");
      if (!seg) return null;
      return segStart(seg) + cpLength(node.data.slice(0, offset));
    }
    if (offset < node.childNodes.length) {
      const seg = firstSeg(node.childNodes[offset]);
      if (seg) return segStart(seg);
    }
    const segs = node.classList && node.classList.contains("seg") ? [node] : node.querySelectorAll(".seg");
    const last = segs[segs.length - 1];
    return last ? segStart(last) + cpLength(last.textContent) : null;
  }

  /* The DOM point (text node, UTF-16 index) of a code-point offset. */
  function domPoint(offset) {
    const seg = segAt(offset);
    if (!seg) return null;
    const node = seg.firstChild;
    if (!node) return [seg, 0];
    let k = offset - segStart(seg);
    let i = 0;
    for (const ch of node.data) {
      if (k <= 0) break;
      i += ch.length;
      k--;
    }
    return [node, i];
  }

  /* The selection inside the text as code-point offsets, trimmed of surrounding whitespace. */
  function selectionOffsets() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    if (!text.contains(range.commonAncestorContainer) && range.commonAncestorContainer !== text) {
      return null;
    }
    let start = offsetOf(range.startContainer, range.startOffset);
    let end = offsetOf(range.endContainer, range.endOffset);
    if (start === null || end === null) return null;
    while (start < end && /\s/u.test(charAt(start))) start++;
    while (end > start && /\s/u.test(charAt(end - 1))) end--;
    return end > start ? { start: start, end: end } : null;
  }

  // --- creating spans ----------------------------------------------------------------------

  function announce(message) {
    const live = document.getElementById("live");
    if (live) live.textContent = message;
  }

  function labelButton(key) {
    const buttons = palette ? Array.from(palette.querySelectorAll("[data-hotkey]")) : [];
    return (
      buttons.find((b) => b.dataset.hotkey && b.dataset.hotkey === key) ||
      buttons.find((b) => b.dataset.hotkey && b.dataset.hotkey.toLowerCase() === key.toLowerCase())
    );
  }

  function saveSpan(labelId) {
    const offsets = selectionOffsets();
    if (!offsets) {
      announce(noSelectionHint());
      return;
    }
    if (alreadyPending(offsets, labelId)) return;
    createForm.elements.start.value = offsets.start;
    createForm.elements.end.value = offsets.end;
    createForm.elements.label.value = labelId;
    const item = { start: offsets.start, end: offsets.end, label: String(labelId), sent: false, at: performance.now(), moves };
    pending.push(item);
    drawPending(item);
    pendingCaret = offsets.end;
    lastSelection = null;
    if (document.activeElement === text) placeCaret(offsets.end);
    afterLabel = rawSelection();
    revealOffsets(offsets);
    createForm.requestSubmit();
  }

  // --- pending spans, drawn before the server answers -----------------------------------------

  /* The UTF-16 index of the code point ``k`` of ``s``. */
  function cpIndex(s, k) {
    let i = 0;
    for (const ch of s) {
      if (k <= 0) break;
      i += ch.length;
      k--;
    }
    return i;
  }

  /* A copy of a segment holding ``part`` of its text, starting at code point ``start``. */
  function segPiece(seg, part, start) {
    const piece = seg.cloneNode(false);
    piece.dataset.start = start;
    piece.textContent = part;
    return piece;
  }

  /* Split the segments under ``[start, end)`` and highlight that part with the label's colour.
     The paragraph's server version is kept first, to be put back by ``reconcile``. */
  function drawPending(item) {
    let para = lastAtOrBefore(text.children, item.start);
    while (para && segStart(para) <= item.end) {
      if (!serverParas.has(para.id)) serverParas.set(para.id, [para, para.cloneNode(true)]);
      for (const seg of Array.from(para.children)) {
        const data = seg.textContent;
        const from = segStart(seg);
        const to = from + cpLength(data);
        const a = Math.max(item.start, from);
        const b = Math.min(item.end, to);
        if (a >= b) continue;
        const ia = cpIndex(data, a - from);
        const ib = cpIndex(data, b - from);
        const mark = document.createElement("mark");
        mark.className = "seg hl pending l" + item.label + (seg.dataset.spans ? " multi" : "");
        mark.dataset.start = a;
        mark.dataset.spans = seg.dataset.spans || "";
        mark.textContent = data.slice(ia, ib);
        const parts = [];
        if (ia > 0) parts.push(segPiece(seg, data.slice(0, ia), from));
        parts.push(mark);
        if (ib < data.length) parts.push(segPiece(seg, data.slice(ib), b));
        seg.replaceWith(...parts);
      }
      para = para.nextElementSibling;
    }
  }

  /* After an answer (or its failure): paragraphs still drawn over go back to the server's
     version (the server swapped in new ones for the span it saved: other elements, though
     htmx gives them the old ones' attributes until it settles), then the spans still waiting
     for an answer are drawn again. */
  function reconcile() {
    serverParas.forEach(([drawn, copy], id) => {
      if (document.getElementById(id) === drawn) drawn.replaceWith(copy);
    });
    serverParas.clear();
    pending.forEach(drawPending);
  }

  // Each request of the create form carries its own span, even when queued behind another
  // (htmx reads a queued request's values when it is sent, not when it was made).
  createForm.addEventListener("htmx:configRequest", (e) => {
    const item = pending.find((p) => !p.sent);
    if (!item) return;
    item.sent = true;
    // Asked for at the key press, not when its turn in the queue came: app.js keeps the
    // errors shown since, and its panel does not take back a span chosen since.
    e.detail.assayActedAt = item.at;
    e.detail.assayMoves = item.moves;
    e.detail.parameters.start = item.start;
    e.detail.parameters.end = item.end;
    e.detail.parameters.label = item.label;
    // An accepted suggestion brings its actor and grade along.
    for (const field of ["actor", "role", "probability", "confidence"]) {
      if (item[field]) e.detail.parameters[field] = item[field];
    }
  });
  createForm.addEventListener("htmx:afterRequest", () => {
    const index = pending.findIndex((p) => p.sent);
    if (index !== -1) pending.splice(index, 1);
    reconcile();
  });

  if (palette) {
    // Keep the text selection when a label is clicked.
    palette.addEventListener("mousedown", (e) => {
      if (e.target.closest("[data-label]")) e.preventDefault();
    });
    palette.addEventListener("click", (e) => {
      const button = e.target.closest("[data-label]");
      if (button) saveSpan(button.dataset.label);
    });
  }

  document.addEventListener("selectionchange", () => {
    const offsets = selectionOffsets();
    if (offsets) lastSelection = { start: offsets.start, end: offsets.end, at: Date.now() };
    drawCaret();
  });

  // --- the current span ----------------------------------------------------------------------

  function spanElements(id) {
    return text.querySelectorAll('[data-spans~="' + id + '"]');
  }

  function markCurrent() {
    text.querySelectorAll(".current").forEach((el) => el.classList.remove("current"));
    if (current) spanElements(current).forEach((el) => el.classList.add("current"));
    document.querySelectorAll("[data-span-link].current").forEach((el) => el.classList.remove("current"));
    if (current) {
      document.querySelectorAll('#span-list [data-span-link="' + current + '"]').forEach((el) => el.classList.add("current"));
    }
  }

  function spanIdsInOrder() {
    const seen = new Set();
    const order = [];
    text.querySelectorAll(".hl").forEach((seg) => {
      const ids = seg.dataset.spans.split(" ");
      // Outer spans begin no later than inner ones: list them first.
      for (let i = ids.length - 1; i >= 0; i--) {
        if (!seen.has(ids[i])) {
          seen.add(ids[i]);
          order.push(ids[i]);
        }
      }
    });
    return order;
  }

  function panelUrl(id) {
    return panelUrlTemplate.replace(/\/0\/$/, "/" + id + "/");
  }

  function openPanel(id, focusField) {
    return htmx
      .ajax("GET", panelUrl(id), { source: text, target: "#span-panel", swap: "outerHTML" })
      .then(() => {
        if (focusField) {
          const field = document.getElementById("id_label");
          if (field) field.focus();
        }
      });
  }

  function flash(elements) {
    elements.forEach((el) => {
      el.classList.remove("flash");
      void el.offsetWidth;
      el.classList.add("flash");
    });
  }

  function selectSpan(id, options) {
    const opts = options || {};
    moves++;
    current = id ? String(id) : null;
    markCurrent();
    if (!current) return;
    const elements = spanElements(current);
    if (opts.scroll && elements[0]) elements[0].scrollIntoView({ block: "center" });
    if (opts.flash) flash(elements);
    if (opts.announce && elements.length) {
      const link = document.querySelector('#span-list [data-span-link="' + current + '"]');
      const group = link && link.closest(".group");
      const name = group ? group.getAttribute("aria-label") : "Span";
      announce(name + ": " + Array.from(elements).map((e) => e.textContent).join("").slice(0, 80) + " (Enter opens it)");
    }
    if (opts.open) openPanel(current, opts.focus);
  }

  function stepSpan(delta) {
    const ids = spanIdsInOrder();
    if (!ids.length) {
      announce("No spans yet.");
      return;
    }
    let index = current ? ids.indexOf(current) : -1;
    index = index === -1 ? (delta > 0 ? 0 : ids.length - 1) : (index + delta + ids.length) % ids.length;
    selectSpan(ids[index], { scroll: true, flash: true, announce: true });
  }

  function closePanel() {
    const panel = document.getElementById("span-panel");
    if (!panel) return;
    const empty = document.createElement("section");
    empty.id = "span-panel";
    empty.className = "panel card empty";
    empty.setAttribute("aria-label", "Span details");
    const p = document.createElement("p");
    p.className = "muted";
    p.textContent = "No span open. Click a highlight, or press j / k and Enter.";
    empty.append(p);
    panel.replaceWith(empty);
  }

  function deleteCurrent() {
    if (!current) return;
    htmx.ajax("POST", panelUrl(current) + "delete/", {
      source: text,
      target: "#span-panel",
      swap: "outerHTML",
    });
    current = null;
  }

  text.addEventListener("click", (e) => {
    const sel = window.getSelection();
    if (sel && !sel.isCollapsed) return; // the end of a drag selection
    const seg = e.target.closest(".hl");
    if (!seg) return;
    const ids = seg.dataset.spans.split(" ");
    let pick = ids[0];
    if (current && ids.includes(current)) pick = ids[(ids.indexOf(current) + 1) % ids.length];
    selectSpan(pick, { open: true });
  });

  // A highlight's title (its spans' labels) is given on hover, not sent with each of them.
  text.addEventListener("mouseover", (e) => {
    const seg = e.target.closest ? e.target.closest(".hl") : null;
    if (!seg || seg.title || !seg.dataset.spans) return;
    seg.title = seg.dataset.spans
      .split(" ")
      .map((id) => {
        const item = document.getElementById("item-" + id);
        const group = item && item.closest(".group");
        return group ? group.getAttribute("aria-label") : "";
      })
      .filter(Boolean)
      .join(" / ");
  });

  document.addEventListener("click", (e) => {
    const link = e.target.closest("[data-span-link]");
    if (link) {
      e.preventDefault();
      selectSpan(link.dataset.spanLink, { scroll: true, flash: true, open: true });
      return;
    }
    if (e.target.closest("[data-close-panel]")) {
      closePanel();
      text.focus();
      return;
    }
    // A suggestion from the span's words: set that field; its change saves the form.
    const set = e.target.closest("[data-set-field]");
    const field = set && document.getElementById(set.dataset.setField);
    if (field) {
      field.value = set.dataset.value;
      field.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  // --- a caret in the (non-editable) text -----------------------------------------------------

  function drawCaret() {
    if (!caret) return;
    const sel = window.getSelection();
    if (document.activeElement !== text || !sel || !sel.rangeCount || !sel.isCollapsed || !text.contains(sel.anchorNode)) {
      caret.hidden = true;
      return;
    }
    const range = sel.getRangeAt(0);
    let rect = range.getClientRects()[0] || range.getBoundingClientRect();
    if (!rect || (!rect.height && sel.anchorNode.parentElement)) {
      rect = sel.anchorNode.nodeType === Node.TEXT_NODE ? sel.anchorNode.parentElement.getBoundingClientRect() : sel.anchorNode.getBoundingClientRect();
    }
    caret.hidden = false;
    caret.style.left = rect.left + window.scrollX + "px";
    caret.style.top = rect.top + window.scrollY + "px";
    caret.style.height = (rect.height || 20) + "px";
  }

  function placeCaret(offset) {
    const point = domPoint(offset);
    if (!point) return;
    window.getSelection().collapse(point[0], point[1]);
    drawCaret();
  }

  function caretInText() {
    const sel = window.getSelection();
    return sel && sel.rangeCount && text.contains(sel.anchorNode);
  }

  text.addEventListener("focus", () => {
    if (!caretInText()) {
      const first = text.querySelector(".seg");
      if (first) placeCaret(segStart(first));
    }
    drawCaret();
  });
  text.addEventListener("blur", () => {
    if (caret) caret.hidden = true;
  });
  window.addEventListener("resize", drawCaret);

  function moveCaret(e) {
    const sel = window.getSelection();
    if (!caretInText()) placeCaret(0);
    const backward = e.key === "ArrowLeft" || e.key === "ArrowUp" || e.key === "Home";
    let granularity = e.ctrlKey ? "word" : "character";
    if (e.key === "ArrowUp" || e.key === "ArrowDown") granularity = e.ctrlKey ? "paragraph" : "line";
    if (e.key === "Home" || e.key === "End") granularity = e.ctrlKey ? "documentboundary" : "lineboundary";
    if (granularity === "documentboundary") caretTo(backward ? textStart() : textEnd(), e.shiftKey);
    else sel.modify(e.shiftKey ? "extend" : "move", backward ? "backward" : "forward", granularity);
    // Never leave the text: a step past its edge stops at the edge.
    if (!text.contains(sel.focusNode)) caretTo(backward ? textStart() : textEnd(), e.shiftKey);
    drawCaret();
    revealCaret();
  }

  // --- the caret kept inside the text and clear of the sticky bars ------------------------------

  // Bars that stay on screen over the text: the caret and a new span are kept clear of them.
  // (A bar added later is found if it is marked data-sticky.)
  const BARS = ".topbar, .doc-head, #palette, #live, #errors, [data-sticky]";
  const MARGIN = 32; // px kept between the caret and a bar or the window's edge

  /* The band of the window, at ``x``, that no sticky or fixed bar covers. A sticky bar counts
     with the height it has once stuck, even before it sticks (scrolling up makes it stick). */
  function clearBand(x) {
    let top = 0;
    let bottom = window.innerHeight;
    document.querySelectorAll(BARS).forEach((bar) => {
      const style = getComputedStyle(bar);
      if (style.position !== "sticky" && style.position !== "fixed") return;
      const r = bar.getBoundingClientRect();
      if (!r.height || !r.width || (x !== undefined && (x < r.left || x > r.right))) return;
      if (style.position === "sticky") {
        if (style.top !== "auto") top = Math.max(top, parseFloat(style.top) + r.height);
        else if (style.bottom !== "auto") bottom = Math.min(bottom, window.innerHeight - parseFloat(style.bottom) - r.height);
      } else if (r.top < window.innerHeight / 2) {
        top = Math.max(top, r.bottom);
      } else {
        bottom = Math.min(bottom, r.top);
      }
    });
    return { top: top, bottom: bottom };
  }

  /* Scroll the window (at once) so that ``rect`` sits inside the clear band. */
  function reveal(rect) {
    if (!rect || (!rect.height && !rect.width && !rect.top)) return;
    const band = clearBand(rect.left + 1);
    let dy = 0;
    if (rect.top < band.top + MARGIN) dy = rect.top - band.top - MARGIN;
    else if (rect.bottom > band.bottom - MARGIN) dy = Math.min(rect.bottom - band.bottom + MARGIN, rect.top - band.top - MARGIN);
    if (dy) window.scrollTo({ top: window.scrollY + dy, left: window.scrollX, behavior: "instant" });
  }

  /* Where the selection's moving end (the caret) is drawn. */
  function focusRect() {
    const sel = window.getSelection();
    if (!sel || !sel.rangeCount || !text.contains(sel.focusNode)) return null;
    const range = document.createRange();
    range.setStart(sel.focusNode, sel.focusOffset);
    const rect = range.getClientRects()[0];
    if (rect && rect.height) return rect;
    const el = sel.focusNode.nodeType === Node.TEXT_NODE ? sel.focusNode.parentElement : sel.focusNode;
    return el.getBoundingClientRect();
  }

  function revealCaret() {
    reveal(focusRect());
    drawCaret();
  }

  /* A span just drawn: its start and its end in view (the end wins when both do not fit). */
  function revealOffsets(offsets) {
    const a = domPoint(offsets.start);
    const b = domPoint(offsets.end);
    if (!a || !b) return;
    const range = document.createRange();
    range.setStart(a[0], a[1]);
    range.setEnd(b[0], b[1]);
    const rects = range.getClientRects();
    if (!rects.length) return;
    reveal(rects[0]);
    reveal(rects[rects.length - 1]);
    drawCaret();
  }

  function offsetRect(offset) {
    const point = domPoint(offset);
    if (!point) return null;
    const range = document.createRange();
    range.setStart(point[0], point[1]);
    return range.getClientRects()[0] || range.getBoundingClientRect();
  }

  function textStart() {
    const first = text.querySelector(".seg");
    return first ? segStart(first) : 0;
  }

  function textEnd() {
    const para = text.lastElementChild;
    const segs = para ? para.querySelectorAll(".seg") : [];
    const last = segs[segs.length - 1];
    return last ? segStart(last) + cpLength(last.textContent) : 0;
  }

  /* Move the caret to ``offset``, or with ``extend`` the selection's moving end. */
  function caretTo(offset, extend) {
    const point = domPoint(offset);
    if (!point) return;
    const sel = window.getSelection();
    if (extend && caretInText()) sel.extend(point[0], point[1]);
    else sel.collapse(point[0], point[1]);
  }

  function inView(rect) {
    if (!rect) return false;
    const band = clearBand(rect.left + 1);
    return rect.bottom > band.top && rect.top < band.bottom;
  }

  /* The offset of the first line of text below the bars, where a caret that is nowhere in
     view goes: the text under the reader's eyes, not its first line pages away. */
  function offsetInView() {
    const band = clearBand();
    const paras = text.children;
    let lo = 0;
    let hi = paras.length - 1;
    let para = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (paras[mid].getBoundingClientRect().bottom > band.top + MARGIN) {
        para = paras[mid];
        hi = mid - 1;
      } else {
        lo = mid + 1;
      }
    }
    if (!para) return textStart();
    const r = para.getBoundingClientRect();
    if (r.top >= band.top + MARGIN || !document.caretRangeFromPoint) return segStart(para.firstElementChild || para);
    const range = document.caretRangeFromPoint(r.left + 1, band.top + MARGIN + 4);
    const offset = range && offsetOf(range.startContainer, range.startOffset);
    return offset === null || offset === undefined ? segStart(para.firstElementChild || para) : offset;
  }

  /* Into the text from anywhere (the jump key, the skip link): the selection or caret stays
     where it was if any of it is in view; else the caret goes to the first line in view. */
  function jumpToText() {
    if (!caretInText() || !inView(focusRect())) {
      const point = domPoint(offsetInView());
      if (point) window.getSelection().collapse(point[0], point[1]);
    }
    text.focus({ preventScroll: true });
    revealCaret();
  }

  /* Back to the labels: the first label's button (the selection stays, and its key or
     Enter on a button labels it). */
  function jumpToPalette() {
    const button = palette && palette.querySelector("[data-label]");
    if (button) button.focus();
  }

  // Tabbing in: the browser scrolls the text's top to the window's top (the text is taller
  // than the window), under the stuck labels. That scroll is taken back, and before the page's
  // own focus handler (a capture listener runs first) a caret that is nowhere goes to the
  // first line in view: the text's start when the page is at its top.
  let tabbed = null;
  document.addEventListener(
    "keydown",
    (e) => {
      if (e.key === "Tab") tabbed = { x: window.scrollX, y: window.scrollY, at: e.timeStamp };
    },
    true
  );
  text.addEventListener(
    "focus",
    () => {
      if (!caretInText()) {
        if (tabbed && performance.now() - tabbed.at < 1000) {
          window.scrollTo({ top: tabbed.y, left: tabbed.x, behavior: "instant" });
        }
        if (!inView(offsetRect(textStart()))) {
          const point = domPoint(offsetInView());
          if (point) window.getSelection().collapse(point[0], point[1]);
        }
      }
      tabbed = null;
    },
    true
  );
  text.addEventListener("focus", () => requestAnimationFrame(revealCaret));

  const skip = document.getElementById("skip-to-text");
  if (skip) {
    skip.addEventListener("click", (e) => {
      e.preventDefault();
      jumpToText();
    });
  }

  // --- the selection is the reader's: labelled only while visible, never wiped by an answer --

  let afterLabel = null; // the selection as a label key left it
  let kept = null; // the selection before a swap, to put back after it

  /* The selection's two ends as code-point offsets (anchor first), or null outside the text. */
  function rawSelection() {
    const sel = window.getSelection();
    if (!sel || !sel.rangeCount) return null;
    const anchor = offsetOf(sel.anchorNode, sel.anchorOffset);
    const focus = offsetOf(sel.focusNode, sel.focusOffset);
    return anchor === null || focus === null ? null : { anchor: anchor, focus: focus };
  }

  function sameSelection(a, b) {
    return Boolean(a && b && a.anchor === b.anchor && a.focus === b.focus);
  }

  function noSelectionHint() {
    return lastSelection
      ? "The selection was cleared, so nothing was labelled: select the text again, then choose a label."
      : "Select some text first, then choose a label.";
  }

  /* The same label on the same text, already on its way: a repeated key is not sent twice. */
  function alreadyPending(offsets, labelId) {
    const twice = pending.some((p) => p.start === offsets.start && p.end === offsets.end && p.label === String(labelId));
    if (twice) announce("That span is being saved already.");
    return twice;
  }

  // Before a swap: note the selection. A swap replaces paragraphs, and the selection inside
  // them goes with them; a new span's answer also moves the caret after it, unless the reader
  // has selected something else meanwhile (then the answer leaves that selection alone).
  document.addEventListener(
    "htmx:beforeSwap",
    () => {
      kept = rawSelection();
    },
    true
  );
  document.addEventListener(
    "htmx:afterSwap",
    () => {
      if (pendingCaret !== null && kept && !sameSelection(kept, afterLabel)) pendingCaret = null;
      // Else the page's own rule (below) puts the caret after the new span, or clears it.
      if (pendingCaret !== null) {
        const here = document.activeElement === text || document.activeElement === document.body;
        kept = here ? { anchor: pendingCaret, focus: pendingCaret } : null;
      }
    },
    true
  );
  // After the request (the pending spans drawn again): put the selection back if it went.
  document.body.addEventListener("htmx:afterRequest", () => {
    const want = kept;
    kept = null;
    if (!want || sameSelection(want, rawSelection())) return;
    const a = domPoint(want.anchor);
    const f = domPoint(want.focus);
    if (!a || !f) return;
    window.getSelection().setBaseAndExtent(a[0], a[1], f[0], f[1]);
    drawCaret();
  });

  // --- undo and redo -----------------------------------------------------------------------

  // Each change this page makes (create, edit, grade, actors, delete, restore) is kept as the
  // history knows it: {span, version} (the change that brought the span to that version) or
  // {event}; what an accept-all or a label-all made, as {events} (the ids of its events, as
  // runs: "12-48,51", from the answer's assay:made), undone and redone as one. Undo reverts one
  // on the server, which refuses when a span has moved on since; the revert's own event (or
  // events) goes on the other stack.
  const revertUrl = text.dataset.createUrl.replace(/spans\/$/, "history/revert/");
  const CHANGES = /\/spans\/(?:\d+\/(?:edit|actors|actors\/remove|delete|proposals)\/)?$|\/history\/\d+\/restore\/$|\/suggestions\/accept-all\/$|\/label-all\/$/;
  const LIMIT = 200;
  const undoStack = [];
  const redoStack = [];
  let inflight = 0; // changes sent and not answered
  let reverting = null; // the revert on its way: {entry, redo}
  const waiting = []; // undo (false) and redo (true) keys pressed while busy

  function requestPath(detail) {
    return (detail.pathInfo && detail.pathInfo.requestPath) || (detail.requestConfig && detail.requestConfig.path) || "";
  }

  function isChange(detail) {
    const config = detail.requestConfig;
    return Boolean(config && String(config.verb).toLowerCase() === "post" && CHANGES.test(requestPath(detail).split("?")[0]));
  }

  function postedVersion(config) {
    const data = config.formData;
    const value = data && data.get ? data.get("version") : config.parameters && config.parameters.version;
    return value === null || value === undefined ? null : String(value);
  }

  /* The change an answer records, or null (a refusal, or an edit that changed nothing). */
  function changeOf(detail) {
    const xhr = detail.xhr;
    if (!xhr || xhr.status !== 200) return null;
    const html = xhr.responseText;
    if (/\/delete\/$/.test(requestPath(detail))) {
      const deleted = /\/history\/(\d+)\/restore\//.exec(html);
      return deleted ? { event: deleted[1] } : null;
    }
    const panel = /<section id="span-panel"[^>]*?data-span="(\d+)" data-version="(\d+)"/.exec(html);
    if (!panel || panel[2] === postedVersion(detail.requestConfig)) return null;
    return { span: panel[1], version: panel[2] };
  }

  document.body.addEventListener("htmx:beforeRequest", (e) => {
    if (isChange(e.detail)) inflight++;
  });
  document.body.addEventListener("htmx:afterRequest", (e) => {
    const detail = e.detail;
    if (isChange(detail)) {
      inflight = Math.max(0, inflight - 1);
      const change = changeOf(detail);
      if (change) {
        undoStack.push(change);
        if (undoStack.length > LIMIT) undoStack.shift();
        redoStack.length = 0;
      }
    } else if (reverting && requestPath(detail).split("?")[0] === revertUrl) {
      const done = reverting;
      reverting = null;
      const status = detail.xhr ? detail.xhr.status : 0;
      // A refusal (409, 403, 422) says why in the alert region and drops the change; a lost
      // connection or a server error keeps it for another try.
      if (status === 0 || status >= 500) (done.redo ? redoStack : undoStack).push(done.entry);
    }
    runWaiting();
  });

  text.addEventListener("assay:reverted", (e) => {
    const entry = e.detail.events ? { events: String(e.detail.events) } : { event: String(e.detail.event) };
    (e.detail.redo ? undoStack : redoStack).push(entry);
  });

  // Many spans made in one request (accept all, label all): one entry, undone as one. The
  // answer's events arrive before its htmx:afterRequest, so an undo pressed meanwhile waits.
  document.body.addEventListener("assay:made", (e) => {
    if (!e.detail || !e.detail.events) return;
    undoStack.push({ events: String(e.detail.events) });
    if (undoStack.length > LIMIT) undoStack.shift();
    redoStack.length = 0;
  });

  function busy() {
    return inflight > 0 || pending.length > 0 || reverting !== null;
  }

  function runWaiting() {
    if (waiting.length && !busy()) revert(waiting.shift());
  }

  /* Undo (or redo) the latest change; while a change is on its way, once it is answered. */
  function revert(redo) {
    if (busy()) {
      waiting.push(redo);
      return;
    }
    const entry = (redo ? redoStack : undoStack).pop();
    if (!entry) {
      announce(redo ? "Nothing to redo." : "Nothing to undo on this page.");
      return;
    }
    reverting = { entry: entry, redo: redo };
    const values = entry.events ? { events: entry.events } : entry.event ? { event: entry.event } : { span: entry.span, version: entry.version };
    if (redo) values.redo = "1";
    htmx.ajax("POST", revertUrl, { source: text, target: "#span-panel", swap: "outerHTML", values: values });
  }

  /* Fields where Ctrl+Z undoes typing; everywhere else it undoes the page's changes. */
  function editingText(target) {
    if (!target.closest) return false;
    if (target.closest("textarea, [contenteditable]")) return true;
    const input = target.closest("input");
    return Boolean(input && !["button", "submit", "checkbox", "radio", "reset", "range", "color"].includes(input.type));
  }

  const SHORTCUTS = ["?", "j", "k", "[", "]", "n", "p", "d", "/", "t", "s"]; // the page's keys (below)

  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.isComposing || (help && help.open)) return;
    const key = e.key.toLowerCase();
    if ((e.ctrlKey || e.metaKey) && !e.altKey && (key === "z" || key === "y") && !editingText(e.target)) {
      e.preventDefault();
      revert(key === "y" || e.shiftKey);
    } else if (e.altKey && !e.ctrlKey && !e.metaKey && (e.code === "KeyT" || e.code === "KeyL")) {
      e.preventDefault();
      if (e.code === "KeyT") jumpToText();
      else jumpToPalette();
    } else if (!e.ctrlKey && !e.metaKey && !e.altKey && e.key.length === 1 && !typingIn(e.target) && !SHORTCUTS.includes(e.key) && labelButton(e.key) && !selectionOffsets()) {
      // A label's key with nothing selected: say why nothing happens.
      announce(noSelectionHint());
    }
  });

  // --- keyboard -------------------------------------------------------------------------------

  function typingIn(target) {
    return Boolean(target.closest && target.closest("input, textarea, select, [contenteditable]"));
  }

  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.isComposing) return;
    const target = e.target;
    const panel = document.getElementById("span-panel");
    if (help && help.open) return; // the dialog closes itself on Escape
    if (e.key === "Escape" && panel && panel.contains(target) && !panel.classList.contains("empty")) {
      e.preventDefault();
      closePanel();
      text.focus();
      return;
    }
    if (typingIn(target)) {
      if (target.id === "actor-q" && e.key === "ArrowDown") {
        const first = document.querySelector("#actor-results .result");
        if (first) {
          e.preventDefault();
          first.focus();
        }
      }
      return;
    }
    if (target.classList && target.classList.contains("result") && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      const results = Array.from(document.querySelectorAll("#actor-results .result"));
      const i = results.indexOf(target) + (e.key === "ArrowDown" ? 1 : -1);
      e.preventDefault();
      if (i < 0) document.getElementById("actor-q").focus();
      else if (results[i]) results[i].focus();
      return;
    }
    const inText = target === text;
    const onPage = inText || target === document.body || target.id === "main";
    if (inText && ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"].includes(e.key) && !e.altKey && !e.metaKey) {
      e.preventDefault();
      moveCaret(e);
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key.length === 1 && e.key !== "?" && selectionOffsets()) {
      const button = labelButton(e.key);
      if (button) {
        e.preventDefault();
        saveSpan(button.dataset.label);
        return;
      }
    }
    switch (e.key) {
      case "?":
        e.preventDefault();
        if (help) help.showModal();
        break;
      case "Escape":
        if (panel && !panel.classList.contains("empty")) closePanel();
        window.getSelection().collapseToEnd && caretInText() && window.getSelection().collapseToEnd();
        selectSpan(null);
        break;
      case "j":
        e.preventDefault();
        stepSpan(1);
        break;
      case "k":
        e.preventDefault();
        stepSpan(-1);
        break;
      case "Enter":
        if (onPage && current) {
          e.preventDefault();
          openPanel(current, true);
        }
        break;
      case "Delete":
        if (onPage && current) {
          e.preventDefault();
          deleteCurrent();
        }
        break;
      case "n":
      case "p": {
        const link = document.getElementById(e.key === "n" ? "next-article" : "prev-article");
        if (link) {
          e.preventDefault();
          link.click();
        } else {
          announce(e.key === "n" ? "This is the last article." : "This is the first article.");
        }
        break;
      }
      case "d": {
        const toggle = document.getElementById("done-toggle");
        if (toggle) {
          e.preventDefault();
          toggle.requestSubmit();
        }
        break;
      }
      case "/": {
        const filter = document.getElementById("span-filter");
        if (filter) {
          e.preventDefault();
          filter.focus();
        }
        break;
      }
      default:
    }
  });

  const helpButton = document.getElementById("help-button");
  if (helpButton && help) helpButton.addEventListener("click", () => help.showModal());

  // --- the span list filter -------------------------------------------------------------------

  /* A span added over htmx lands at the end of its group: move it to its place in text order. */
  function sortGroups() {
    document.querySelectorAll("#span-list .group ol").forEach((list) => {
      const last = list.lastElementChild;
      if (!last || !last.previousElementSibling) return;
      const start = Number(last.dataset.start);
      let before = last.previousElementSibling;
      if (Number(before.dataset.start) <= start) return;
      while (before.previousElementSibling && Number(before.previousElementSibling.dataset.start) > start) {
        before = before.previousElementSibling;
      }
      list.insertBefore(last, before);
    });
  }

  let filtered = false;

  function applyFilter() {
    const input = document.getElementById("span-filter");
    const q = input ? input.value.trim().toLowerCase() : "";
    const empty = document.getElementById("span-list-empty");
    if (empty) empty.hidden = document.querySelector("#span-list .group li") !== null;
    document.querySelectorAll("#span-list .group").forEach((group) => {
      const items = group.querySelector("ol");
      if (!q && !filtered) {
        group.hidden = items.childElementCount === 0;
        return;
      }
      let shown = 0;
      const labelMatch = !q || group.dataset.label.includes(q);
      for (const li of items.children) {
        const match = labelMatch || li.textContent.toLowerCase().includes(q);
        li.hidden = !match;
        if (match) shown++;
      }
      group.hidden = shown === 0;
    });
    filtered = Boolean(q);
  }
  const filterInput = document.getElementById("span-filter");
  if (filterInput) filterInput.addEventListener("input", applyFilter);

  // --- labels in the text, on demand (issue 11) ------------------------------------------------
  // "Labels in text" (or t) shows each span's label at its start: a data-tag on the segment
  // where the span begins (its list entry's data-start), drawn by CSS as a pseudo-element, so
  // no character joins the text. Remembered in localStorage; off, nothing is computed.

  const TAGS_KEY = "assay.labelTags";
  const tagsToggle = document.getElementById("tags-toggle");

  /* A setting remembered in this browser; null where storage is refused (private mode: the
     toggles still work for this page). */
  function remembered(key) {
    try {
      return localStorage.getItem(key);
    } catch (err) {
      return null;
    }
  }

  function remember(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch (err) {
      // Storage refused: the setting lasts as long as this page.
    }
  }

  /* A page key that toggles a view (t, s): not while typing, in the help, or on a panel's
     select (where letters pick an option); a label that has the key as its hotkey keeps it
     (the suggestions bar's and the toolbar's buttons still toggle). */
  function onToggleKey(key, toggle) {
    document.addEventListener("keydown", (e) => {
      if (e.defaultPrevented || e.isComposing || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key !== key || typingIn(e.target) || (help && help.open)) return;
      if (labelButton(e.key)) return;
      const panel = document.getElementById("span-panel");
      if (panel && panel.contains(e.target) && e.target.tagName === "SELECT") return;
      e.preventDefault();
      toggle();
    });
  }

  function spanLabelName(id) {
    const item = document.getElementById("item-" + id);
    const group = item && item.closest(".group");
    return group ? group.getAttribute("aria-label") : "";
  }

  function tagSpans() {
    if (!text.classList.contains("show-tags")) return;
    text.querySelectorAll("mark.hl").forEach((seg) => {
      const names = [];
      for (const id of seg.dataset.spans ? seg.dataset.spans.split(" ") : []) {
        const item = document.getElementById("item-" + id);
        if (item && item.dataset.start === seg.dataset.start) names.unshift(spanLabelName(id));
      }
      if (names.length) seg.dataset.tag = names.join(" · ");
      else delete seg.dataset.tag;
    });
  }

  function showTags(on, keep) {
    text.classList.toggle("show-tags", on);
    if (tagsToggle) tagsToggle.setAttribute("aria-pressed", on ? "true" : "false");
    if (keep) remember(TAGS_KEY, on ? "1" : "0");
    tagSpans();
  }

  if (remembered(TAGS_KEY) === "1") showTags(true, false);
  if (tagsToggle) {
    tagsToggle.addEventListener("click", () => {
      const on = !text.classList.contains("show-tags");
      showTags(on, true);
      announce(on ? "Labels shown at each span's start." : "Labels in the text hidden.");
    });
  }

  onToggleKey("t", () => {
    if (tagsToggle) tagsToggle.click();
  });

  // --- grade hotkeys in the panel (issue 11) ----------------------------------------------------
  // While the focus is in an open span's panel (not in a text field): 1-7 set the probability
  // to ICD 203's seven steps in order, 8 9 0 the confidence low, moderate, high; the key of the
  // value already set clears it. Number keys never reach label hotkeys from there (captured).
  // A key pressed while the panel's last save is on its way waits for its answer (a new
  // version), then applies to the new panel.

  const PROBABILITY_KEYS = "1234567";
  const CONFIDENCE_KEYS = "890";
  const gradeQueue = [];
  let gradeFocus = null;
  let gradePanel = null; // the panel the grade key was pressed in

  function gradeField(key) {
    if (PROBABILITY_KEYS.includes(key)) return ["id_probability", Number(key), "Probability"];
    if (CONFIDENCE_KEYS.includes(key)) return ["id_confidence", CONFIDENCE_KEYS.indexOf(key) + 1, "Confidence"];
    return null;
  }

  function applyGrade(key) {
    const [id, index, name] = gradeField(key);
    const field = document.getElementById(id);
    const form = document.getElementById("span-edit-form");
    if (!field || !form || !field.options[index]) return;
    if (form.classList.contains("htmx-request")) {
      gradeQueue.push(key);
      return;
    }
    const value = field.options[index].value;
    field.value = field.value === value ? "" : value;
    announce(name + ": " + field.options[field.selectedIndex].textContent + ".");
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener(
    "keydown",
    (e) => {
      if (e.defaultPrevented || e.isComposing || e.ctrlKey || e.metaKey || e.altKey || e.shiftKey) return;
      const panel = document.getElementById("span-panel");
      if (!panel || !panel.dataset.span || !panel.contains(e.target) || !gradeField(e.key)) return;
      if (e.target.closest("textarea, input:not([type=hidden]), [contenteditable]")) return;
      e.preventDefault();
      e.stopPropagation();
      gradeFocus = document.activeElement && document.activeElement.id ? document.activeElement.id : "span-panel";
      gradePanel = panel;
      applyGrade(e.key);
    },
    true
  );

  // --- picking a relation's target in the text (issue 11) ---------------------------------------
  // The relation form (partials/annotate/relation_picker.html) lists no spans: while it is open,
  // a click on a highlight links to that span; from the keyboard, "Pick the target in the
  // text" moves the focus to the text, j / k move to the target, Enter links. Esc cancels.
  // Without JavaScript, "Link to another span…" opens a page with a list of the spans.

  let picking = null; // the relation form whose target is being picked

  function startPicking(form, focusText) {
    picking = form;
    text.classList.add("picking");
    if (focusText) {
      text.focus({ preventScroll: true });
      announce("Pick the target span: j / k move to it, Enter links, Escape cancels.");
    }
  }

  function stopPicking(message) {
    picking = null;
    text.classList.remove("picking");
    if (message) announce(message);
  }

  function pickTarget(id) {
    const form = picking;
    if (!form || !document.body.contains(form)) {
      stopPicking();
      return;
    }
    if (String(id) === form.dataset.fromSpan) {
      announce("That is the span being linked: move to another one (j / k).");
      return;
    }
    form.elements.to_span.value = id;
    stopPicking();
    form.requestSubmit();
  }

  text.addEventListener(
    "click",
    (e) => {
      if (!picking) return;
      const sel = window.getSelection();
      if (sel && !sel.isCollapsed) return; // the end of a drag selection
      const seg = e.target.closest(".hl");
      if (!seg || !seg.dataset.spans) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      const ids = seg.dataset.spans.split(" ");
      pickTarget(ids.find((id) => id !== picking.dataset.fromSpan) || ids[0]);
    },
    true
  );

  document.addEventListener("click", (e) => {
    if (e.target.closest("#rel-pick")) {
      const form = e.target.closest("[data-relation-picker]");
      if (form) startPicking(form, true);
    }
  });

  document.addEventListener(
    "keydown",
    (e) => {
      if (!picking || e.isComposing) return;
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopImmediatePropagation();
        stopPicking("Linking cancelled.");
        return;
      }
      if (e.key === "Enter" && e.target === text) {
        e.preventDefault();
        e.stopImmediatePropagation();
        if (current) pickTarget(current);
        else announce("Move to the target span first (j / k).");
      }
    },
    true
  );

  // What these sections keep up after a swap: the tags over redrawn paragraphs, a picker
  // that is gone, the focus and the queued grade keys of a replaced panel.
  document.body.addEventListener("htmx:afterSwap", () => {
    tagSpans();
    if (picking && !document.body.contains(picking)) stopPicking();
  });
  document.body.addEventListener("htmx:afterSettle", () => {
    const form = document.querySelector("#span-panel [data-relation-picker]");
    if (form && form !== picking && form.querySelector("#rel-pick")) startPicking(form, false);
    // A grade key's field gets the focus back once its panel is re-drawn (the swap dropped
    // it on the body); a swap before that (the proposals) keeps it waiting, and a focus
    // the user moved out of the panel meanwhile (to the text, to go on with j) stays there.
    // Once the new panel is in (htmx may have kept the focus on the field of the same id),
    // nothing is left to wait for.
    if (gradeFocus && document.getElementById("span-edit-form")) {
      const focused = document.activeElement;
      if (!focused || focused === document.body) {
        const el = document.getElementById(gradeFocus);
        gradeFocus = null;
        if (el) el.focus({ preventScroll: true });
      } else if (!focused.closest("#span-panel") || document.getElementById("span-panel") !== gradePanel) {
        gradeFocus = null;
      }
    }
    if (gradeQueue.length && document.getElementById("span-edit-form")) applyGrade(gradeQueue.shift());
  });

  // --- after htmx swaps -----------------------------------------------------------------------

  // Right after the swap (out-of-band paragraphs included), before the next key is handled.
  // A panel that arrives makes its span the current one, unless the user chose another
  // (j / k, a click) after asking for it: a grade key's panel, or a new span's, must not take
  // back a j pressed while it was on its way. A swap inside the panel (its proposals, loaded
  // after it) is no new panel and never does.
  document.body.addEventListener("htmx:beforeRequest", (e) => {
    if (e.detail.xhr) e.detail.xhr.assayMoves = moves;
  });
  let panelShown = document.getElementById("span-panel");
  document.body.addEventListener("htmx:afterSwap", (e) => {
    const panel = document.getElementById("span-panel");
    const config = e.detail.requestConfig;
    const asked = config && config.assayMoves !== undefined ? config.assayMoves : e.detail.xhr && e.detail.xhr.assayMoves;
    const movedSince = asked !== undefined && asked !== moves;
    if (panel && panel !== panelShown && panel.dataset.span && !movedSince) current = panel.dataset.span;
    panelShown = panel;
    markCurrent();
    sortGroups();
    applyFilter();
    if (pendingCaret !== null) {
      const offset = pendingCaret;
      pendingCaret = null;
      if (document.activeElement === text || document.activeElement === document.body) {
        placeCaret(offset);
      } else {
        window.getSelection().removeAllRanges();
      }
    }
  });

  document.body.addEventListener("htmx:afterSettle", () => {
    const autofocus = document.querySelector("[data-autofocus]");
    if (autofocus) {
      autofocus.removeAttribute("data-autofocus");
      autofocus.focus();
    }
    const panel = document.getElementById("span-panel");
    if (panel && panel.dataset.focus) {
      const field = document.getElementById(panel.dataset.focus);
      delete panel.dataset.focus;
      if (field) field.focus();
    }
  });

  // --- suggestions (issue 13) -------------------------------------------------------------------
  // What the registry and ICD 203 read in the article (GET articles/{id}/suggestions/), drawn
  // as dashed boxes in a layer beneath the text (#sg-layer: below the highlights, never in the
  // way of a click or a selection), only for the paragraphs in view. Tab / Shift+Tab in the
  // text (or ] / [) move between them, Enter accepts one through the page's own span create
  // (the same form, service and checks as a label key), a label's key accepts it with that
  // label, Backspace dismisses it (remembered per user by the API), Shift+Enter accepts every
  // suggestion of its kind. Alt+Shift with a label's key labels every occurrence of the
  // selection. + takes what the open span's panel proposes. s hides (or shows) them.

  const layer = document.getElementById("sg-layer");
  const sgBar = document.getElementById("sg-bar");
  const sgStatus = document.getElementById("sg-status");
  const sgNotes = document.getElementById("sg-notes");
  const KIND_NAMES = { actor: "actor mention", estimative: "estimative phrase", source: "source" };
  let suggestions = []; // by start, as the API answers them
  let sgFocus = -1; // index of the focused suggestion, or -1
  let sgDrawn = new Map(); // paragraph element -> its boxes
  let sgBoxes = new Map(); // suggestion -> its boxes
  let sgQueued = false;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (err) {
      return "";
    }
  }

  function kindName(kind) {
    return KIND_NAMES[kind] || kind;
  }

  function describe(s) {
    const label = s.label && document.querySelector('#palette [data-label="' + s.label + '"] .name');
    const grade = [s.probability, s.confidence && s.confidence + " confidence"].filter(Boolean).join(", ").replace(/_/g, " ");
    return (
      kindName(s.kind) + " “" + s.text.slice(0, 80) + "”" + (grade ? " (" + grade + ")" : "") +
      (label ? " → " + label.textContent : " (no label proposed: press a label's key)")
    );
  }

  /* The first suggestion that starts at or after ``offset`` (binary search). */
  function firstFrom(offset) {
    let lo = 0;
    let hi = suggestions.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (suggestions[mid].start < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function updateBar() {
    const counts = {};
    suggestions.forEach((s) => {
      counts[s.kind] = (counts[s.kind] || 0) + 1;
    });
    document.querySelectorAll(".sg-accept").forEach((form) => {
      const n = counts[form.dataset.kind] || 0;
      form.hidden = n === 0;
      const count = form.querySelector(".sg-count");
      count.textContent = n.toLocaleString("en") + " " + count.dataset.name + (n === 1 ? "" : "s");
    });
    if (sgStatus) {
      const how = layer && layer.hidden ? " · hidden, s shows them" : " · Tab or ] to go through them";
      sgStatus.textContent = suggestions.length ? suggestions.length.toLocaleString("en") + " proposed" + how : "None left on this article.";
    }
  }

  function clearLayer() {
    if (layer) layer.replaceChildren();
    sgDrawn = new Map();
    sgBoxes = new Map();
  }

  /* Paragraphs on screen, by a binary search on their positions. Only those: measuring text
     in a paragraph off screen would lay it out (content-visibility skips them), changing its
     height from the placeholder's and moving the text under the reader's eyes. */
  function parasInView() {
    const paras = text.children;
    const margin = 0;
    let lo = 0;
    let hi = paras.length - 1;
    let first = paras.length;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (paras[mid].getBoundingClientRect().bottom >= -margin) {
        first = mid;
        hi = mid - 1;
      } else {
        lo = mid + 1;
      }
    }
    const found = [];
    for (let i = first; i < paras.length; i++) {
      if (paras[i].getBoundingClientRect().top > window.innerHeight + margin) break;
      found.push(paras[i]);
    }
    return found;
  }

  /* A range's line boxes, one per line (a range over several segments has a rect each). */
  function lineRects(start, end) {
    const a = domPoint(start);
    const b = domPoint(end);
    if (!a || !b) return [];
    const range = document.createRange();
    range.setStart(a[0], a[1]);
    range.setEnd(b[0], b[1]);
    const lines = [];
    for (const r of range.getClientRects()) {
      if (!r.width) continue;
      const last = lines[lines.length - 1];
      if (last && Math.abs(last.top - r.top) < 4) {
        last.left = Math.min(last.left, r.left);
        last.right = Math.max(last.right, r.right);
        last.bottom = Math.max(last.bottom, r.bottom);
      } else {
        lines.push({ left: r.left, right: r.right, top: r.top, bottom: r.bottom });
      }
    }
    return lines;
  }

  /* Draw the suggestions of the paragraphs in view that are not drawn yet (all of them again
     after a ``redrawSuggestions``): every position is read first, then every box written, so
     the layout is computed once. */
  function drawSuggestions() {
    sgQueued = false;
    if (sgStale) {
      sgStale = false;
      sgDrawn = new Map();
      sgBoxes = new Map();
      if (layer) layer.replaceChildren();
    }
    if (!layer || layer.hidden || !suggestions.length) return;
    const todo = [];
    for (const para of parasInView()) {
      if (sgDrawn.has(para)) continue;
      const from = segStart(para);
      const next = para.nextElementSibling;
      const to = next ? segStart(next) : Infinity;
      const items = [];
      for (let i = firstFrom(from); i < suggestions.length && suggestions[i].start < to; i++) {
        items.push([suggestions[i], lineRects(suggestions[i].start, suggestions[i].end)]);
      }
      todo.push([para, items]);
    }
    if (!todo.length) return;
    const base = layer.getBoundingClientRect();
    const focused = suggestions[sgFocus];
    for (const [para, items] of todo) {
      const boxes = [];
      for (const [s, lines] of items) {
        const own = [];
        for (const line of lines) {
          const box = document.createElement("div");
          box.className = "sg sg-" + (KIND_NAMES[s.kind] ? s.kind : "other") + (s.label ? " l" + s.label : "") + (s === focused ? " focus" : "");
          const out = s.kind === "source" ? 4 : 2; // a statement's box around the mentions in it
          box.style.left = line.left - base.left - out + "px";
          box.style.top = line.top - base.top - out + 1 + "px";
          box.style.width = line.right - line.left + 2 * out + "px";
          box.style.height = line.bottom - line.top + 2 * out - 2 + "px";
          own.push(box);
        }
        sgBoxes.set(s, own);
        boxes.push(...own);
      }
      layer.append(...boxes);
      sgDrawn.set(para, boxes);
    }
  }

  function queueDraw() {
    if (sgQueued) return;
    sgQueued = true;
    requestAnimationFrame(drawSuggestions);
  }

  function redrawSuggestions() {
    clearLayer();
    drawSuggestions();
  }

  /* Redraw once the frame being made is painted: after a swap, the new span shows first. */
  let sgStale = false;
  function redrawLater() {
    sgStale = true;
    requestAnimationFrame(() => setTimeout(drawSuggestions, 0));
  }

  // Drawn once the scrolling has stopped: measuring text in a paragraph that a jump (Ctrl+End)
  // has just brought into view, before the browser has laid it out for that frame, moved the
  // text under the caret (content-visibility lays such paragraphs out late).
  let sgScrolled = null;
  window.addEventListener(
    "scroll",
    () => {
      clearTimeout(sgScrolled);
      sgScrolled = setTimeout(queueDraw, 150);
    },
    { passive: true }
  );
  // The text's height changes (the window's width, paragraphs laid out late as they come into
  // view, labels shown in the text): every box is placed anew.
  if (window.ResizeObserver) {
    new ResizeObserver(() => {
      if (suggestions.length) redrawLater();
    }).observe(text);
  }

  function loadSuggestions() {
    const url = text.dataset.suggestionsUrl;
    if (!url || !layer) return Promise.resolve();
    // The page's <head> preloads this URL: the answer is on its way while the page is parsed.
    return fetch(url, { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then((data) => {
        const before = suggestions[sgFocus];
        suggestions = data.results || [];
        sgFocus = before ? suggestions.findIndex((s) => s.start === before.start && s.end === before.end && s.kind === before.kind && s.actor === before.actor) : -1;
        if (sgNotes) {
          sgNotes.textContent = (data.notes || []).join(" ");
          sgNotes.hidden = !(data.notes && data.notes.length);
        }
        updateBar();
        redrawSuggestions();
        text.dispatchEvent(new CustomEvent("assay:suggestions", { detail: { count: suggestions.length } }));
      })
      .catch((err) => {
        if (sgStatus) sgStatus.textContent = "Suggestions could not be read (" + err.message + ").";
        text.dispatchEvent(new CustomEvent("assay:suggestions", { detail: { count: -1, error: err.message } }));
      });
  }

  function focusSuggestion(index, options) {
    const opts = options || {};
    const old = suggestions[sgFocus];
    if (old && sgBoxes.has(old)) sgBoxes.get(old).forEach((box) => box.classList.remove("focus"));
    sgFocus = index;
    const s = suggestions[index];
    if (!s) return;
    if (current) selectSpan(null);
    if (opts.reveal !== false) {
      const lines = lineRects(s.start, s.end);
      if (lines.length) {
        reveal(lines[0]);
        reveal(lines[lines.length - 1]);
      }
    }
    if (sgBoxes.has(s)) sgBoxes.get(s).forEach((box) => box.classList.add("focus"));
    else queueDraw(); // drawn with the paragraph, focused (after any scroll has settled)
    announce("Suggestion " + (index + 1) + " of " + suggestions.length + ": " + describe(s) + ". Enter accepts, Backspace dismisses.");
  }

  function unfocusSuggestion() {
    const old = suggestions[sgFocus];
    if (old && sgBoxes.has(old)) sgBoxes.get(old).forEach((box) => box.classList.remove("focus"));
    sgFocus = -1;
  }

  /* Move to the next (``delta`` 1) or previous (-1) suggestion, from the focused one or else
     from the caret. With ``wrap`` false, false at either end (Tab then leaves the text). */
  function stepSuggestion(delta, wrap) {
    if (layer && layer.hidden) {
      if (wrap) announce("Suggestions are hidden: s shows them.");
      return false;
    }
    if (!suggestions.length) {
      if (wrap) announce("No suggestions on this article.");
      return false;
    }
    let index;
    if (sgFocus >= 0) {
      index = sgFocus + delta;
    } else {
      const at = caretInText() ? rawSelection() : null;
      const offset = at ? at.focus : delta > 0 ? 0 : Infinity;
      index = delta > 0 ? firstFrom(offset) : firstFrom(offset) - 1;
    }
    if (index < 0 || index >= suggestions.length) {
      if (!wrap) {
        unfocusSuggestion();
        return false;
      }
      index = (index + suggestions.length) % suggestions.length;
    }
    focusSuggestion(index);
    return true;
  }

  /* Forget the suggestions at ``[start, end)`` (of ``kind``, or all kinds: a span made there
     leaves out every suggestion at its offsets, as the API does); the focus moves on. */
  function dropSuggestions(start, end, kind) {
    const focused = suggestions[sgFocus];
    const gone = (s) => s.start === start && s.end === end && (!kind || s.kind === kind);
    if (!suggestions.some(gone)) return;
    const wasHere = focused && gone(focused);
    suggestions = suggestions.filter((s) => !gone(s));
    sgFocus = focused && !wasHere ? suggestions.indexOf(focused) : -1;
    updateBar();
    redrawLater();
    if (wasHere && document.activeElement === text) {
      const next = firstFrom(start);
      if (next < suggestions.length) focusSuggestion(next);
    }
  }

  function acceptSuggestion(s, labelId) {
    const label = labelId || s.label;
    if (!label) {
      announce("No label is proposed for this " + kindName(s.kind) + ": press a label's key to accept it with that label.");
      return;
    }
    const item = {
      start: s.start,
      end: s.end,
      label: String(label),
      sent: false,
      actor: s.actor ? String(s.actor) : "",
      role: s.actor ? s.role || "mentioned" : "",
      probability: s.probability || "",
      confidence: s.confidence || "",
      at: performance.now(),
      moves,
    };
    if (alreadyPending(item, label)) return;
    pending.push(item);
    drawPending(item);
    createForm.requestSubmit();
  }

  function dismissSuggestion(s) {
    fetch(text.dataset.dismissUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ start: s.start, end: s.end, kind: s.kind }),
    }).then((response) => {
      if (response.ok) {
        announce("Dismissed the " + kindName(s.kind) + " “" + s.text.slice(0, 60) + "”.");
        dropSuggestions(s.start, s.end, s.kind);
      } else {
        announce("The suggestion was not dismissed (HTTP " + response.status + ").");
      }
    });
  }

  function acceptAll(kind) {
    const n = suggestions.filter((s) => s.kind === kind).length;
    announce("Accepting " + n + " " + kindName(kind) + " suggestions…");
    unfocusSuggestion();
    htmx.ajax("POST", text.dataset.acceptAllUrl, { source: text, swap: "none", values: { kind: kind } });
  }

  /* Label all occurrences of the selected phrase (the page's label-all, all or nothing). */
  function labelAll(labelId) {
    const offsets = selectionOffsets();
    if (!offsets) {
      announce("Select a phrase first, then press Alt+Shift and a label's key to label every occurrence.");
      return;
    }
    announce("Labelling every occurrence…");
    htmx.ajax("POST", text.dataset.labelAllUrl, {
      source: text,
      swap: "none",
      values: { start: offsets.start, end: offsets.end, label: labelId },
    });
  }

  // A span saved at a suggestion's offsets (accepted, or labelled by hand) leaves it out.
  createForm.addEventListener("htmx:afterRequest", (e) => {
    const data = e.detail.requestConfig && e.detail.requestConfig.formData;
    if (!data || !e.detail.xhr || e.detail.xhr.status !== 200) return;
    dropSuggestions(Number(data.get("start")), Number(data.get("end")), null);
  });

  // Many spans made at once (accept all, label all), or spans undone and redone (a suggestion
  // comes back with the span made of it): read the suggestions again.
  const BULK = /\/(suggestions\/accept-all|label-all|history\/revert)\/$/;
  document.body.addEventListener("htmx:afterRequest", (e) => {
    if (BULK.test(requestPath(e.detail).split("?")[0]) && e.detail.xhr && e.detail.xhr.status === 200) loadSuggestions();
  });
  // Paragraphs swapped in (a new span, a change): the boxes are drawn again, after the frame
  // that shows the swap.
  document.body.addEventListener("htmx:afterSettle", () => {
    if (suggestions.length && !sgStale) redrawLater();
  });

  // A click on plain text inside a suggestion focuses it (the boxes take no clicks).
  text.addEventListener("click", (e) => {
    const sel = window.getSelection();
    if (!sel || !sel.isCollapsed || e.target.closest(".hl") || !suggestions.length || layer.hidden) return;
    const offset = offsetOf(sel.anchorNode, sel.anchorOffset);
    if (offset === null) return;
    let index = firstFrom(offset + 1) - 1;
    while (index >= 0 && suggestions[index].end <= offset) index--;
    if (index >= 0 && suggestions[index].start <= offset) focusSuggestion(index, { reveal: false });
    else unfocusSuggestion();
  });

  // Shown or hidden (s, or the bar's "Show in text"): hidden, no box is drawn and Tab, ] and [
  // pass them by; the bar still counts them and accepts all of a kind. Remembered in
  // localStorage, as the labels in the text are.
  const SG_HIDDEN_KEY = "assay.suggestionsHidden";
  const sgToggle = document.getElementById("sg-toggle");

  function showSuggestions(on, keep) {
    if (!layer) return;
    layer.hidden = !on;
    if (sgToggle) sgToggle.setAttribute("aria-pressed", on ? "true" : "false");
    if (keep) remember(SG_HIDDEN_KEY, on ? "0" : "1");
    if (on) {
      redrawSuggestions();
    } else {
      unfocusSuggestion();
      clearLayer();
    }
    updateBar();
  }

  function toggleSuggestions() {
    if (!layer) return;
    const on = layer.hidden;
    showSuggestions(on, true);
    announce(on ? "Suggestions shown: Tab or ] goes through them." : "Suggestions hidden: s shows them again.");
  }

  if (remembered(SG_HIDDEN_KEY) === "1") showSuggestions(false, false);
  if (sgToggle) sgToggle.addEventListener("click", toggleSuggestions);
  onToggleKey("s", toggleSuggestions);

  /* A label's key from the physical key (Alt and Shift change what e.key says). */
  function plainKey(e) {
    if (/^Key[A-Z]$/.test(e.code)) return e.code.slice(3).toLowerCase();
    if (/^Digit[0-9]$/.test(e.code)) return e.code.slice(5);
    return e.key;
  }

  document.addEventListener(
    "keydown",
    (e) => {
      if (e.defaultPrevented || e.isComposing || (help && help.open) || picking) return;
      const target = e.target;
      if (typingIn(target)) return;
      const stop = () => {
        e.preventDefault();
        e.stopPropagation();
      };
      if (e.altKey && e.shiftKey && !e.ctrlKey && !e.metaKey) {
        const button = labelButton(plainKey(e));
        if (button) {
          stop();
          labelAll(button.dataset.label);
        }
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "+" && !selectionOffsets()) {
        const take = document.getElementById("proposals-form");
        if (take) {
          stop();
          take.requestSubmit();
        } else if (document.querySelector("#span-panel[data-span]")) {
          stop();
          announce("The open span's panel proposes nothing more.");
        }
        return;
      }
      const onPage = target === text || target === document.body || target.id === "main";
      if (!onPage) return;
      if (e.key === "j" || e.key === "k") unfocusSuggestion(); // to the spans
      if (e.key === "Tab" && target === text) {
        if (stepSuggestion(e.shiftKey ? -1 : 1, false)) stop();
        return;
      }
      if (e.key === "]" || e.key === "[") {
        stop();
        stepSuggestion(e.key === "]" ? 1 : -1, true);
        return;
      }
      const s = suggestions[sgFocus];
      if (!s) return;
      if (e.key === "Escape") {
        unfocusSuggestion();
        return;
      }
      if (e.key === "Enter") {
        stop();
        if (e.shiftKey) acceptAll(s.kind);
        else acceptSuggestion(s, null);
        return;
      }
      if (e.key === "Backspace") {
        stop();
        dismissSuggestion(s);
        return;
      }
      if (e.key.length === 1 && !selectionOffsets()) {
        const button = labelButton(e.key);
        if (button) {
          stop();
          acceptSuggestion(s, button.dataset.label);
        }
      }
    },
    true
  );

  if (sgBar) sgBar.addEventListener("submit", () => unfocusSuggestion());
  loadSuggestions();

  // Opened with ?span=: mark it.
  const initialPanel = document.getElementById("span-panel");
  if (initialPanel && initialPanel.dataset.span) {
    current = initialPanel.dataset.span;
    markCurrent();
    const first = spanElements(current)[0];
    if (first) first.scrollIntoView({ block: "center" });
  }

  // Opened with ?span= of a span not mine (a search hit: another annotator's, or gold): its
  // words marked by a CSS highlight (the text's markup unchanged) and scrolled into view.
  if (text.dataset.hitStart) {
    const a = domPoint(Number(text.dataset.hitStart));
    const b = domPoint(Number(text.dataset.hitEnd));
    if (a && b) {
      const range = document.createRange();
      range.setStart(a[0], a[1]);
      range.setEnd(b[0], b[1]);
      if (window.CSS && CSS.highlights && window.Highlight) {
        CSS.highlights.set("search-hit", new Highlight(range));
      }
      const at = a[0].nodeType === Node.TEXT_NODE ? a[0].parentElement : a[0];
      at.scrollIntoView({ block: "center" });
    }
  }
})();
