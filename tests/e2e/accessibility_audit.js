// The page audit of test_accessibility.py: page.evaluate(<this function>, {nav}) answers the
// problems found, as strings.
({nav}) => {
  const problems = [];
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  const visible = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') return false;
    const rect = el.getBoundingClientRect();
    return rect.width > 0 && rect.height > 0;
  };
  if (!document.documentElement.lang) problems.push('html has no lang');
  if (!document.title.trim()) problems.push('no title');
  if (document.querySelectorAll('main').length !== 1) problems.push('not exactly one main');
  if (!document.querySelector('header')) problems.push('no banner (header)');
  if (nav && !document.querySelector('nav')) problems.push('no nav landmark');

  let last = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const level = Number(h.tagName[1]);
    if (last === 0 && level !== 1) problems.push('first heading is ' + h.tagName);
    if (last && level > last + 1) problems.push('heading skips from h' + last + ' to ' + h.tagName + ': ' + h.textContent.trim());
    last = level;
  }

  const ids = {};
  for (const el of document.querySelectorAll('[id]')) {
    if (ids[el.id]) problems.push('duplicate id ' + el.id);
    ids[el.id] = true;
  }

  const nameOf = (el) => {
    const labelledby = el.getAttribute('aria-labelledby');
    if (labelledby) return labelledby.split(/\s+/).map((id) => document.getElementById(id)?.textContent || '').join(' ').trim();
    if (el.getAttribute('aria-label')) return el.getAttribute('aria-label').trim();
    if (el.labels && el.labels.length) return Array.from(el.labels).map((l) => l.textContent).join(' ').trim();
    if (el.tagName === 'INPUT' && ['submit', 'button'].includes(el.type)) return (el.value || '').trim();
    if (['BUTTON', 'A', 'SUMMARY'].includes(el.tagName)) return (el.textContent || el.title || '').trim();
    return (el.title || '').trim();
  };
  const controls = 'input:not([type=hidden]), select, textarea, button, a[href], summary, [role=button], [tabindex]:not([tabindex="-1"])';
  for (const el of document.querySelectorAll(controls)) {
    if (!visible(el) && el.tagName !== 'INPUT') continue;
    if (!nameOf(el)) problems.push('no accessible name: ' + describe(el));
  }

  const rgba = (text) => {
    // rgb()/rgba() in 0-255, or color(srgb …) in 0-1 (what color-mix() computes to).
    const srgb = text.match(/color\(srgb ([^)]+)\)/);
    const m = srgb || text.match(/rgba?\(([^)]+)\)/);
    if (!m) throw new Error('unknown colour ' + text);
    const parts = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    const scale = srgb ? 255 : 1;
    return [parts[0] * scale, parts[1] * scale, parts[2] * scale, parts.length > 3 ? parts[3] : 1];
  };
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const blend = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const bg = rgba(getComputedStyle(node).backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
    }
    let colour = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = blend(layer, colour);
    return colour;
  };
  const checked = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode;
    const el = text.parentElement;
    if (!text.textContent.trim() || !el || checked.has(el) || !visible(el)) continue;
    checked.add(el);
    const style = getComputedStyle(el);
    if (style.clip === 'rect(0px, 0px, 0px, 0px)' || style.clipPath === 'inset(50%)') continue;  // visually hidden
    if (el.closest('[aria-disabled="true"], :disabled')) continue;  // WCAG exempts inactive controls
    const bg = background(el);
    const fg = blend(rgba(style.color), bg);
    const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5) - 0.01) problems.push('contrast ' + ratio.toFixed(2) + ' of ' + describe(el) + ': ' + text.textContent.trim().slice(0, 40));
  }
  return problems;
}
