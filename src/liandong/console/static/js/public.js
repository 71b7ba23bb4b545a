// Public handling results by unit: aggregate numbers only, no login, no personal data.
import { get } from "./api.js";
import { $, fmtTime, h, mount, pct } from "./dom.js";
import { tile } from "./charts.js";
import { label, onLangChange, t } from "./i18n.js";
import { bootPublic } from "./shell.js";

let data = null;

function render() {
  if (!data) return;
  const statuses = Object.entries(data.by_status).sort((a, b) => b[1] - a[1]);
  mount($("#main"), h("div", { class: "public" },
    h("section", { class: "card" },
      h("h1", {}, t("public_title")), h("p", { class: "muted" }, t("public_intro"), " ", `${t("updated")} ${fmtTime(data.generated_at)}`),
      h("div", { class: "tiles" }, tile(t("total"), String(data.totals.work_orders)), tile(t("completed"), String(data.totals.completed)),
        tile(t("open"), String(data.totals.open)), tile(t("units"), String(data.totals.units))),
      h("p", { id: "by-status" }, statuses.map(([s, n]) => h("span", { class: "pill" }, `${label(s)} ${n}`)))),
    h("section", { class: "card" },
      h("table", { id: "unit-results" },
        h("thead", {}, h("tr", {}, [t("unit"), t("total"), t("open"), t("completed"), t("overdue"), t("on_time"), t("satisfaction")].map((c) => h("th", {}, c)))),
        h("tbody", {}, data.units.map((u) => h("tr", {}, h("td", {}, u.unit), h("td", { class: "num" }, String(u.total)),
          h("td", { class: "num" }, String(u.open)), h("td", { class: "num" }, String(u.completed)), h("td", { class: "num" }, String(u.overdue)),
          h("td", { class: "num" }, pct(u.on_time_rate)), h("td", { class: "num" }, u.satisfaction ?? "—"))))))));
}

async function main() {
  bootPublic();
  data = await get("/public/api/results");
  render();
  onLangChange(render);
  document.body.dataset.ready = "1";
}

main().catch((err) => mount($("#main"), h("p", { class: "error" }, String(err.message || err))));
