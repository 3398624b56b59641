// A tiny, fast DOM builder for the big tables: attributes via setAttribute and text via text nodes,
// so nothing from the data is ever parsed as HTML (same guarantee as htl, a few times faster).
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs) for (const [k, v] of Object.entries(attrs)) if (v != null && v !== false) node.setAttribute(k, v === true ? "" : String(v));
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children) {
    if (c == null || c === false || c === "") continue;
    if (Array.isArray(c)) append(node, c);
    else node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/**
 * Resolves after the browser has painted once. A page's below-the-fold cells await it (once, at
 * load), so its first chart is painted before the big tables are built, not after.
 */
export function afterPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}
