// A page's own controls (buffer size, file and record size, heatmap operation, the Explore query)
// keep their value in the URL's query string beside the filters' (filters.js), so a link
// reproduces the view. Written with history.replaceState: the back button is not a history of clicks.

/** The option the URL names for `param` (compared through `key`), or `fallback`. */
export function fromUrl(param, options, fallback, key = String) {
  const text = new URLSearchParams(location.search).get(param);
  if (text == null) return fallback;
  return options.find((o) => key(o) === text) ?? fallback;
}

/** The URL's text for `param`, or `fallback`. */
export function textFromUrl(param, fallback) {
  return new URLSearchParams(location.search).get(param) ?? fallback;
}

export function setUrlParam(param, text) {
  const params = new URLSearchParams(location.search);
  if (text == null) params.delete(param);
  else params.set(param, text);
  const search = params.toString();
  history.replaceState(history.state, "", `${location.pathname}${search ? `?${search}` : ""}${location.hash}`);
}

/** Writes the input's value (through `key`) to `param` whenever the reader changes it; returns the input. */
export function toUrl(input, param, key = String) {
  input.addEventListener("input", () => setUrlParam(param, key(input.value)));
  return input;
}
