// Charts as inline SVG: bars for a series, horizontal bars for rates; no chart library, nothing to download.
import { h, s } from "./dom.js";

export function columns(values, { labels = [], height = 120, title = "" } = {}) {
  const width = 360;
  const max = Math.max(1, ...values);
  const step = width / Math.max(values.length, 1);
  const bars = values.map((v, i) => {
    const barHeight = Math.round((v / max) * (height - 20));
    return s("g", {},
      s("rect", { x: (i * step + 1).toFixed(1), y: height - 14 - barHeight, width: Math.max(step - 2, 1).toFixed(1), height: barHeight, class: "bar" },
        s("title", {}, `${labels[i] ?? i}: ${v}`)),
      i % 4 === 0 ? s("text", { x: (i * step + step / 2).toFixed(1), y: height - 2, class: "axis", "text-anchor": "middle" }, labels[i] ?? String(i)) : null);
  });
  return s("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": title },
    s("text", { x: 0, y: 10, class: "axis" }, String(max)), bars);
}

// Rates between 0 and 1 as labelled horizontal bars.
export function rates(rows) {
  const width = 360;
  const rowHeight = 26;
  const body = rows.map(([name, v], i) => s("g", {},
    s("text", { x: 0, y: i * rowHeight + 16, class: "axis" }, name),
    s("rect", { x: 120, y: i * rowHeight + 5, width: 200, height: 14, class: "track" }),
    s("rect", { x: 120, y: i * rowHeight + 5, width: Math.round(200 * Math.min(Math.max(v ?? 0, 0), 1)), height: 14, class: "bar" }),
    s("text", { x: 326, y: i * rowHeight + 16, class: "axis" }, v === null || v === undefined ? "—" : `${Math.round(v * 100)}%`)));
  return s("svg", { viewBox: `0 0 ${width} ${rows.length * rowHeight}`, class: "chart", role: "img" }, body);
}

export function tile(labelText, valueText, extraClass = "") {
  return h("div", { class: `tile ${extraClass}` }, h("div", { class: "value" }, valueText), h("div", { class: "muted" }, labelText));
}
