// Handling unit workspace: our orders, deadlines and overdue first; sign, handle, reply, extend, refuse, escalate.
import { available, get, post, query } from "./api.js";
import { $, fmtTime, h, isOverdue, mount } from "./dom.js";
import { actionForm, field, value } from "./forms.js";
import { label, onLangChange, t } from "./i18n.js";
import { boot, showError, toast } from "./shell.js";

const DONE = ["completed", "visited", "archived", "cancelled"];
const UNIT_ACTIONS = ["sign", "start", "complete", "request_extension", "return", "suspend", "resume"];
const state = { me: null, orders: [], tab: "open", selected: null, events: [], missing: false, escalate: false };

const BODIES = {
  sign: () => [field("note", h("input", { name: "note", maxlength: 2000 }))],
  start: () => [field("note", h("input", { name: "note", maxlength: 2000 }))],
  resume: () => [field("note", h("input", { name: "note", maxlength: 2000 }))],
  complete: () => [field("opinion", h("textarea", { name: "opinion", rows: 4, maxlength: 8000, required: true }))],
  return: () => [field("reason", h("textarea", { name: "reason", rows: 2, maxlength: 2000, required: true }))],
  suspend: () => [field("reason", h("input", { name: "reason", maxlength: 2000, required: true }))],
  escalate: () => [field("reason", h("textarea", { name: "reason", rows: 2, maxlength: 2000, required: true }))],
  request_extension: () => {
    const tomorrow = new Date(Date.now() + 3 * 86400000).toISOString().slice(0, 16);
    return [field("until", h("input", { name: "until", type: "datetime-local", required: true, value: tomorrow })),
      field("reason", h("input", { name: "reason", maxlength: 2000, required: true }))];
  },
};

function sorted(orders) {
  const rank = (o) => (isOverdue(o) ? 0 : 1);
  return [...orders].sort((a, b) => rank(a) - rank(b) || new Date(a.due_at) - new Date(b.due_at));
}

function renderList() {
  const shown = sorted(state.orders.filter((o) => (state.tab === "open") !== DONE.includes(o.status)));
  const items = shown.map((o) => h("li", { class: isOverdue(o) ? "overdue" : "" },
    h("a", { class: "item", href: `/console/orders/${o.id}`, "aria-current": state.selected && state.selected.id === o.id ? "true" : null, onclick: (e) => { e.preventDefault(); open(o.id); } },
      h("b", {}, o.number), " ", h("span", { class: "pill" }, label(o.status)),
      isOverdue(o) ? h("span", { class: "pill danger" }, t("overdue")) : null,
      o.supervision_count ? h("span", { class: "pill warn" }, `${t("supervise")}×${o.supervision_count}`) : null,
      h("div", { class: "muted" }, `${t("due")} ${fmtTime(o.extension_until || o.due_at)} · ${o.category || ""}`),
      h("div", { class: "clip" }, o.summary))));
  const tabs = ["open", "done"].map((tab) => h("button", { type: "button", role: "tab", "aria-selected": String(state.tab === tab), onclick: () => { state.tab = tab; renderList(); } }, t(`tab_${tab}`)));
  mount($("#orders"), h("h2", {}, t("orders")), h("div", { class: "tabs", role: "tablist" }, tabs),
    items.length ? h("ul", { class: "list", id: "order-list" }, items) : h("p", { class: "muted" }, t("nothing")));
}

function actionButtons(order) {
  const allowed = order.allowed_actions.filter((a) => UNIT_ACTIONS.includes(a));
  if (state.escalate && !DONE.includes(order.status)) allowed.push("escalate");
  return allowed.map((a) => h("button", { type: "button", id: `act-${a}`, class: a === "complete" ? "primary" : a === "return" ? "danger" : "", onclick: () => openAction(order, a) }, a === "escalate" ? t("escalate") : label(a)));
}

function openAction(order, action) {
  const path = `/api/v1/work-orders/${order.id}/${action.replace("_", "-")}`;
  mount($("#action"), actionForm({
    id: "unit-action", title: action === "escalate" ? t("escalate") : label(action), onCancel: () => $("#action").replaceChildren(),
    fields: BODIES[action](),
    send: (f) => {
      const body = {};
      for (const el of f.elements) if (el.name && value(f, el.name) !== null) body[el.name] = value(f, el.name);
      if (body.until) body.until = new Date(body.until).toISOString();
      return post(path, body);
    },
    after: async (o) => {
      toast(`${o.number || order.number}: ${label(o.status || order.status)}`);
      await load();
      await open(order.id);
    },
  }));
  const first = $("#action input, #action textarea, #action button");
  if (first) first.focus();
}

function renderDetail() {
  const el = $("#detail");
  if (state.missing) return mount(el, h("p", { class: "error", id: "not-found", role: "alert" }, t("order_not_found")));
  const o = state.selected;
  if (!o) return mount(el, h("p", { class: "muted" }, t("select_order")));
  return mount(el,
    h("h2", {}, `${t("work_order")} ${o.number}`, " ", h("span", { class: "pill", id: "order-status" }, label(o.status)),
      isOverdue(o) ? h("span", { class: "pill danger" }, t("overdue")) : null),
    h("dl", { class: "kv" },
      h("dt", {}, t("request_type")), h("dd", {}, label(o.request_type)),
      h("dt", {}, t("category")), h("dd", {}, o.category || "—"),
      h("dt", {}, t("urgency")), h("dd", {}, label(o.urgency)),
      h("dt", {}, t("due")), h("dd", {}, fmtTime(o.extension_until || o.due_at)),
      o.last_reason ? [h("dt", {}, t("reason")), h("dd", {}, o.last_reason)] : null,
      o.handle_opinion ? [h("dt", {}, t("opinion")), h("dd", {}, o.handle_opinion)] : null),
    h("h3", {}, t("summary")), h("p", { class: "content" }, o.summary),
    h("div", { class: "buttons", id: "actions" }, actionButtons(o)),
    h("div", { id: "action" }),
    h("h3", {}, t("timeline")),
    h("ol", { class: "timeline" }, state.events.map((e) => h("li", {}, h("span", { class: "muted" }, fmtTime(e.occurred_at || e.at || e.created_at)), " ",
      label(e.action), e.to_state ? ` → ${label(e.to_state)}` : "", e.note ? ` · ${e.note}` : ""))));
}

async function open(id) {
  state.missing = false;
  try {
    state.selected = await get(`/api/v1/work-orders/${id}`);
    state.events = await get(`/api/v1/work-orders/${id}/events`);
    if (location.pathname !== `/console/orders/${id}`) history.replaceState(null, "", `/console/orders/${id}`);
  } catch (err) {
    if (err.status !== 404 && err.status !== 422) throw err;
    state.selected = null;
    state.missing = true;
  }
  renderList();
  renderDetail();
}

async function load() {
  state.orders = (await get(`/api/v1/work-orders${query({ limit: 200 })}`)).items;
}

async function main() {
  state.me = await boot();
  state.escalate = await available("/api/v1/work-orders/0/escalate");
  mount($("#main"), h("div", { class: "unit" }, h("aside", { class: "col card", id: "orders" }), h("section", { class: "col wide card", id: "detail" })));
  await load();
  const match = location.pathname.match(/^\/console\/orders\/(\d+)$/);
  if (match) await open(Number(match[1]));
  else {
    renderList();
    renderDetail();
  }
  onLangChange(() => { renderList(); renderDetail(); });
  document.body.dataset.ready = "1";
}

main().catch(showError);
