// 12345 seat and 110 seat workstation: intake, triage beside it, create/transfer/negotiate/guide, live transfers.
import { available, get, post, query } from "./api.js";
import { $, fmtTime, h, mount } from "./dom.js";
import { field, select, value, actionForm } from "./forms.js";
import { label, onLangChange, t } from "./i18n.js";
import { listenTransfers } from "./live.js";
import * as forms from "./seat_forms.js";
import { decide, renderKnowledge, renderSimilar, renderTriage } from "./seat_side.js";
import { banner, boot, showError, toast } from "./shell.js";

const CHANNELS = ["phone", "web", "app", "wechat", "sms", "email"];
const state = { me: null, platform: "12345", regions: [], queue: [], current: null, decision: null, transfers: [], follow: [], linkage: false };

const ctx = {
  state,
  close: () => openPanel(null),
  done: async (message) => {
    toast(message);
    state.current = null;
    state.decision = null;
    openPanel(null);
    await refresh();
    renderCenter();
    renderSideColumn();
  },
};

function layout() {
  mount($("#main"),
    h("div", { class: "seat" },
      h("aside", { class: "col" },
        h("section", { id: "transfers", class: "card", hidden: true }),
        h("section", { id: "queue", class: "card" }),
        h("section", { id: "follow", class: "card" })),
      h("section", { class: "col wide" },
        h("div", { class: "toolbar" },
          h("h1", { id: "seat-title" }),
          isAdmin() ? select("platform", [["12345", "12345"], ["110", "110"]], state.platform) : null,
          h("button", { type: "button", id: "btn-new", class: "primary", onclick: newRequest }, `${t("new_request")} (Alt+N)`)),
        h("p", { class: "shortcuts muted" }, t("shortcuts")),
        h("section", { id: "center", class: "card" }),
        h("section", { id: "panel", class: "card", hidden: true })),
      h("aside", { class: "col" },
        h("section", { id: "triage", class: "card" }),
        h("section", { id: "similar", class: "card" }),
        h("section", { id: "kb", class: "card", hidden: true }))));
  const picker = $("#f-platform");
  if (picker) picker.addEventListener("change", async () => {
    state.platform = picker.value;
    await refresh();
    renderAll();
  });
}

const isAdmin = () => ["supervisor", "admin"].includes(state.me.role);

function renderQueue() {
  const items = state.queue.map((r) => h("li", {}, h("button", { type: "button", class: "item", dataset: { id: r.id }, onclick: () => pick(r) },
    h("b", {}, r.number), " ", h("span", { class: "pill" }, label(r.channel)), " ", h("span", { class: "muted" }, fmtTime(r.received_at)),
    h("div", { class: "clip" }, r.content))));
  mount($("#queue"), h("h2", {}, `${t("queue")} (${state.queue.length})`), items.length ? h("ul", { class: "list" }, items) : h("p", { class: "muted" }, t("nothing")));
}

function renderTransfers() {
  const el = $("#transfers");
  el.hidden = !state.linkage;
  if (!state.linkage) return;
  const items = state.transfers.map((tr) => h("li", { class: tr.emergency ? "emergency" : "" },
    h("div", {}, h("b", {}, `${tr.from_platform} → ${tr.to_platform}`), " ", tr.emergency ? h("span", { class: "pill danger" }, t("emergency")) : null,
      " ", h("span", { class: "muted" }, `${t("respond_by")} ${fmtTime(tr.respond_by)}`)),
    h("div", { class: "clip" }, tr.reason),
    h("div", { class: "buttons" },
      h("button", { type: "button", class: "primary", onclick: () => acceptTransfer(tr) }, t("accept")),
      h("button", { type: "button", onclick: () => refuseTransfer(tr) }, t("refuse")))));
  mount(el, h("h2", {}, `${t("transfers_in")} (${state.transfers.length})`), items.length ? h("ul", { class: "list", id: "transfer-list" }, items) : h("p", { class: "muted" }, t("nothing")));
}

function renderFollow() {
  if (state.platform === "12345") {
    const items = state.follow.map((o) => h("li", {}, h("button", { type: "button", class: "item", onclick: () => openPanel(forms.visitForm(ctx, o)) },
      h("b", {}, o.number), " ", h("span", { class: "pill" }, label(o.status)), h("div", { class: "clip" }, o.summary))));
    return mount($("#follow"), h("h2", {}, `${t("to_visit")} (${items.length})`), items.length ? h("ul", { class: "list", id: "visit-list" }, items) : h("p", { class: "muted" }, t("nothing")));
  }
  const items = state.follow.map((i) => h("li", {},
    h("div", {}, h("b", {}, i.number), " ", h("span", { class: "pill" }, label(i.status)), " P", String(i.priority)),
    h("div", { class: "clip" }, i.content),
    h("div", { class: "buttons" }, i.allowed_actions.filter((a) => a !== "cancel").map((a) =>
      h("button", { type: "button", onclick: async () => openPanel(await forms.incidentStepForm(ctx, i, a)) }, label(a))))));
  return mount($("#follow"), h("h2", {}, `${t("incidents_open")} (${items.length})`), items.length ? h("ul", { class: "list" }, items) : h("p", { class: "muted" }, t("nothing")));
}

function intakeForm() {
  const districts = [["", "—"], ...state.regions.map((r) => [r.code, r.name])];
  return actionForm({
    id: "intake-form", title: t("intake"), submitLabel: `${t("save_request")} (Ctrl+Enter)`,
    fields: [
      h("div", { class: "row" },
        field("channel", select("channel", CHANNELS.map((c) => [c, label(c)]), "phone")),
        field("caller_phone", h("input", { name: "caller_phone", id: "f-caller_phone", maxlength: 25, inputmode: "tel", autocomplete: "off" })),
        field("caller_name", h("input", { name: "caller_name", maxlength: 80, autocomplete: "off" }))),
      h("div", { class: "row" },
        field("district", select("adcode", districts, "")),
        field("location", h("input", { name: "location_text", maxlength: 500 }))),
      field("content", h("textarea", { name: "content", id: "f-content", rows: 5, maxlength: 20000, required: true })),
    ],
    send: (f) => post("/api/v1/requests", {
      channel: value(f, "channel"), content: value(f, "content"), caller_phone: value(f, "caller_phone"),
      caller_name: value(f, "caller_name"), adcode: value(f, "adcode"), location_text: value(f, "location_text"),
      received_by: state.platform,
    }),
    after: (req) => pick(req),
  });
}

function renderCenter() {
  mount($("#seat-title"), state.platform === "110" ? t("seat_110") : t("seat_12345"));
  const el = $("#center");
  const req = state.current;
  if (!req) return mount(el, intakeForm());
  const open = req.status === "received";
  const other = state.platform === "110" ? "12345" : "110";
  const actions = open ? [
    h("button", { type: "button", id: "btn-create", class: "primary", onclick: () => action("create") }, `${state.platform === "110" ? t("create_incident") : t("create_wo")} (Alt+W)`),
    state.linkage ? h("button", { type: "button", id: "btn-transfer", class: "accent", onclick: () => action("transfer") }, `${t("transfer_to", { p: other })} (Alt+T)`) : null,
    state.linkage ? h("button", { type: "button", id: "btn-negotiate", onclick: () => action("negotiate") }, `${t("negotiate")} (Alt+X)`) : null,
    h("button", { type: "button", id: "btn-guide", onclick: () => action("guide") }, `${t("guidance")} (Alt+G)`),
  ] : [];
  return mount(el,
    h("h2", {}, `${t("current")} ${req.number}`, " ", h("span", { class: "pill", id: "current-status" }, label(req.status))),
    h("dl", { class: "kv" },
      h("dt", {}, t("channel")), h("dd", {}, label(req.channel)),
      h("dt", {}, t("caller_phone")), h("dd", {}, req.caller_phone || "—"),
      h("dt", {}, t("location")), h("dd", {}, [req.location_text, req.adcode].filter(Boolean).join(" · ") || "—")),
    h("p", { class: "content", id: "current-content" }, req.content),
    h("div", { class: "buttons" }, actions));
}

function renderSideColumn() {
  renderTriage($("#triage"), state.decision, state.current);
  renderSimilar($("#similar"), state.decision, state.current).catch(showError);
  renderKnowledge($("#kb"), state.current).catch(() => null);
}

function renderAll() {
  renderTransfers();
  renderQueue();
  renderFollow();
  renderCenter();
  renderSideColumn();
}

async function openPanel(content) {
  const el = $("#panel");
  if (!content) {
    el.hidden = true;
    return el.replaceChildren();
  }
  mount(el, await content);
  el.hidden = false;
  const first = el.querySelector("select, input, textarea, button");
  if (first) first.focus();
}

async function action(kind) {
  if (!state.current || state.current.status !== "received") return;
  if (!state.linkage && ["transfer", "negotiate"].includes(kind)) return;
  const build = {
    create: state.platform === "110" ? forms.incidentForm : forms.workOrderForm,
    transfer: forms.transferForm, negotiate: forms.negotiationForm, guide: forms.guidanceForm,
  }[kind];
  try {
    await openPanel(build(ctx));
    // Alt+W then Enter creates the order with the triage's suggestions: focus the submit button.
    if (kind === "create") $("#panel button[type=submit]").focus();
  } catch (err) {
    showError(err);
  }
}

async function pick(req) {
  state.current = req;
  state.decision = null;
  openPanel(null);
  renderCenter();
  try {
    state.decision = await decide(req);
  } catch (err) {
    showError(err);
  }
  if (state.decision && state.decision.emergency) banner(`${t("emergency")}: ${req.number}`, true);
  renderSideColumn();
  refresh().then(() => { renderQueue(); renderFollow(); });
}

function newRequest() {
  state.current = null;
  state.decision = null;
  openPanel(null);
  renderCenter();
  renderSideColumn();
  $("#f-caller_phone").focus();
}

async function acceptTransfer(tr) {
  try {
    await openPanel(forms.acceptForm(ctx, tr, await get(`/api/v1/requests/${tr.request_id}`)));
  } catch (err) {
    showError(err);
  }
}

function refuseTransfer(tr) {
  openPanel(actionForm({
    id: "refuse-form", title: t("refuse"), onCancel: ctx.close,
    fields: [field("reason", h("input", { name: "reason", maxlength: 2000, required: true }))],
    send: (f) => post(`/api/v1/linkage/transfers/${tr.id}/refuse`, { reason: value(f, "reason") }),
    after: () => ctx.done(t("refused")),
  }));
}

async function refresh() {
  const queue = await get(`/api/v1/requests${query({ status: "received", limit: 100 })}`);
  state.queue = queue.items.filter((r) => r.received_by === state.platform);
  if (state.platform === "12345") {
    state.follow = (await get(`/api/v1/work-orders${query({ status: "completed", limit: 20 })}`)).items;
  } else {
    const page = await get(`/api/v1/incidents${query({ limit: 100 })}`);
    state.follow = page.items.filter((i) => !["closed", "cancelled"].includes(i.status)).slice(0, 30);
  }
  await pollTransfers();
}

// Polling backs up the event stream (a proxy may buffer or cut it): a pending transfer not seen before is news.
async function pollTransfers() {
  if (!state.linkage) return;
  const list = await get(`/api/v1/linkage/transfers${query({ to_platform: state.platform, status: "pending" })}`);
  const fresh = (Array.isArray(list) ? list : list.items || []).filter((tr) => !state.transfers.some((x) => x.id === tr.id));
  state.transfers = Array.isArray(list) ? list : list.items || [];
  if (state.seenFirst) for (const tr of fresh) alertTransfer(tr);
  state.seenFirst = true;
  renderTransfers();
}

function alertTransfer(tr) {
  banner(`${tr.emergency ? t("emergency_transfer") : t("live_transfer")}: ${tr.reason.slice(0, 60)}`, Boolean(tr.emergency));
}

// The stream replays from the start on (re)connect: only a pending transfer not yet listed is news.
function onTransfer(tr) {
  if (tr.to_platform !== state.platform) return;
  const known = state.transfers.some((x) => x.id === tr.id);
  if (tr.status !== "pending") {
    if (known) state.transfers = state.transfers.filter((x) => x.id !== tr.id);
    return renderTransfers();
  }
  if (known) return;
  state.transfers.unshift(tr);
  renderTransfers();
  alertTransfer(tr);
}

function shortcuts(event) {
  if (event.key === "Escape") return openPanel(null);
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  const key = event.key.toLowerCase();
  const map = { n: newRequest, w: () => action("create"), t: () => action("transfer"), x: () => action("negotiate"), g: () => action("guide"),
    q: () => { const first = $("#queue button.item"); if (first) first.focus(); } };
  if (map[key]) {
    event.preventDefault();
    map[key]();
  }
}

async function main() {
  state.me = await boot();
  state.platform = state.me.role === "seat_110" ? "110" : "12345";
  const [regions, linkage] = await Promise.all([
    get(`/api/v1/regions${query({ parent_code: document.body.dataset.city, limit: 50 })}`).catch(() => ({ items: [] })),
    available("/api/v1/linkage/transfers"),
  ]);
  state.regions = regions.items;
  state.linkage = linkage;
  layout();
  await refresh();
  renderAll();
  document.addEventListener("keydown", shortcuts);
  onLangChange(() => { layout(); renderAll(); });
  listenTransfers(onTransfer);
  setInterval(() => pollTransfers().catch(() => null), 5000);
  document.body.dataset.ready = "1";
  setInterval(() => refresh().then(() => { renderQueue(); renderFollow(); renderTransfers(); }).catch(() => null), 20000);
}

main().catch(showError);
