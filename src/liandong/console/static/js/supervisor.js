// Supervisor view: live queue and seats, KPIs with charts, district hotspots, overdue/supervised and linked items.
import { get, post } from "./api.js";
import { $, fmtTime, h, mount, pct } from "./dom.js";
import { columns, rates, tile } from "./charts.js";
import { actionForm, field, value } from "./forms.js";
import { label, onLangChange, t } from "./i18n.js";
import { listenTransfers } from "./live.js";
import { cartogram } from "./map.js";
import { banner, boot, showError, toast } from "./shell.js";

const QUEUE = ["waiting_12345", "waiting_110", "to_dispatch", "returned", "extension_requested", "open_orders", "open_incidents"];
let data = null;

function orderTable(id, rows, withSupervise) {
  if (!rows.length) return h("p", { class: "muted" }, t("nothing"));
  return h("table", { id },
    h("thead", {}, h("tr", {}, [t("work_order"), t("unit"), t("status"), t("due"), ""].map((c) => h("th", {}, c)))),
    h("tbody", {}, rows.map((o) => h("tr", {},
      h("td", {}, o.number), h("td", {}, o.unit || "—"), h("td", {}, label(o.status), o.supervision_count ? ` ×${o.supervision_count}` : ""),
      h("td", {}, fmtTime(o.due_at)),
      h("td", {}, withSupervise ? h("button", { type: "button", onclick: () => supervise(o) }, t("supervise")) : null)))));
}

function supervise(order) {
  mount($("#sv-action"), actionForm({
    id: "supervise-form", title: `${t("supervise")} ${order.number}`, onCancel: () => $("#sv-action").replaceChildren(),
    fields: [field("reason", h("input", { name: "reason", maxlength: 2000, required: true }))],
    send: (f) => post(`/api/v1/work-orders/${order.id}/supervise`, { reason: value(f, "reason") }),
    after: async (o) => {
      toast(`${t("supervise")} ${o.number}`);
      $("#sv-action").replaceChildren();
      await load();
    },
  }));
  $("#sv-action input").focus();
}

function render() {
  if (!data) return;
  const k = data.kpis;
  const hours = data.hourly.map((_, i) => `${new Date(Date.now() - (23 - i) * 3600000).getHours()}`);
  mount($("#main"), h("div", { class: "supervisor" },
    h("section", { class: "card span2" }, h("h2", {}, t("queue_status"), " ", h("span", { class: "muted" }, `${t("updated")} ${fmtTime(data.generated_at)}`)),
      h("div", { class: "tiles", id: "queue-tiles" }, QUEUE.map((q) => tile(t(q), String(data.queue[q] ?? 0), q.startsWith("waiting") && data.queue[q] ? "hot" : "")))),
    h("section", { class: "card" }, h("h2", {}, t("seats")),
      h("ul", { class: "seats", id: "seats" }, data.seats.map((seat) => h("li", {}, h("span", { class: `dot ${seat.online ? "on" : "off"}` }), `${seat.name} · ${label(seat.role)} · `, seat.online ? t("online") : t("offline"))))),
    h("section", { class: "card span2" }, h("h2", {}, t("kpis")),
      h("div", { class: "tiles", id: "kpis" },
        tile(t("answer_rate"), pct(k.answer_rate)), tile(t("response"), k.response_minutes ?? "—"),
        tile(t("resolution"), k.resolution_hours ?? "—"), tile(t("satisfaction"), k.satisfaction ?? "—"), tile(t("on_time"), pct(k.on_time_rate))),
      h("div", { class: "charts" },
        h("figure", {}, h("figcaption", {}, t("hourly")), columns(data.hourly, { labels: hours, title: t("hourly") })),
        h("figure", {}, h("figcaption", {}, t("kpis")), rates([[t("answer_rate"), k.answer_rate], [t("on_time"), k.on_time_rate], [t("satisfaction"), k.satisfaction === null ? null : k.satisfaction / 5]])))),
    h("section", { class: "card", id: "hotspots" }, h("h2", {}, t("hotspots")), cartogram(data.districts)),
    h("section", { class: "card span2" }, h("h2", {}, t("overdue_items"), ` (${data.overdue.length})`), h("div", { id: "sv-action" }), orderTable("overdue", data.overdue, true)),
    h("section", { class: "card" }, h("h2", {}, t("supervised_items")), orderTable("supervised", data.supervised, false)),
    h("section", { class: "card span3" }, h("h2", {}, t("linked")),
      data.linked.length ? h("table", { id: "linked" },
        h("thead", {}, h("tr", {}, [t("request"), t("work_order"), t("status"), t("incident"), t("status")].map((c) => h("th", {}, c)))),
        h("tbody", {}, data.linked.map((l) => h("tr", {}, h("td", {}, l.request_number), h("td", {}, l.work_order_number),
          h("td", {}, label(l.work_order_status)), h("td", {}, l.incident_number), h("td", {}, label(l.incident_status))))))
        : h("p", { class: "muted" }, t("nothing")))));
}

async function load() {
  data = await get("/console/api/overview");
  render();
}

async function main() {
  await boot();
  await load();
  onLangChange(render);
  // The stream replays every transfer on (re)connect; only a fresh pending one deserves the alert.
  const seen = new Set();
  listenTransfers((tr) => {
    const fresh = tr.status === "pending" && Date.now() - new Date(tr.created_at) < 120000 && !seen.has(tr.id);
    seen.add(tr.id);
    if (!fresh) return;
    banner(`${tr.emergency ? t("emergency_transfer") : t("live_transfer")} ${tr.from_platform} → ${tr.to_platform}`, Boolean(tr.emergency));
    load().catch(() => null);
  });
  setInterval(() => load().catch(() => null), 15000);
  document.body.dataset.ready = "1";
}

main().catch(showError);
