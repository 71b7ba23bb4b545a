// Hotspots as a tile cartogram of the city's districts (no map tiles offline), coloured by request volume.
import { h, s } from "./dom.js";

// Rough geography of 长沙's districts (column, row); other cities fall back to a plain grid.
const LAYOUT = {
  430112: [1, 0], 430105: [2, 0], 430121: [3, 0], 430182: [0, 1], 430104: [1, 1], 430102: [2, 1],
  430181: [4, 1], 430103: [2, 2], 430111: [3, 2],
};

function colour(share) {
  // From pale yellow to deep red.
  const light = 92 - Math.round(share * 52);
  return `hsl(${Math.round(48 - share * 48)}, 85%, ${light}%)`;
}

export function cartogram(districts) {
  const size = 78;
  const max = Math.max(1, ...districts.map((d) => d.count));
  let spare = 0;
  let rows = 3;
  const cells = districts.map((d) => {
    const known = LAYOUT[d.adcode];
    const [col, row] = known || [spare % 5, 3 + Math.floor(spare++ / 5)];
    rows = Math.max(rows, row + 1);
    const rect = s("rect", { x: col * size + 2, y: row * size + 2, width: size - 4, height: size - 4, rx: 6, class: "district", dataset: { adcode: d.adcode } },
      s("title", {}, `${d.name}: ${d.count}`));
    rect.style.fill = colour(d.count / max);
    return s("g", {}, rect,
      s("text", { x: col * size + size / 2, y: row * size + size / 2 - 4, "text-anchor": "middle", class: "label" }, d.name),
      s("text", { x: col * size + size / 2, y: row * size + size / 2 + 14, "text-anchor": "middle", class: "count" }, String(d.count)));
  });
  return h("div", { class: "map" },
    s("svg", { viewBox: `0 0 ${5 * size} ${rows * size}`, class: "chart", role: "img", "aria-label": "district hotspots" }, cells));
}
