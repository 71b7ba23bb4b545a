// The seat's action panels: work order, police incident, transfer, negotiation, guidance, visit, incident steps.
import { available, get, post, query } from "./api.js";
import { h } from "./dom.js";
import { actionForm, field, select, value } from "./forms.js";
import { label, t } from "./i18n.js";
import { unitCandidates } from "./seat_side.js";

const TYPES = ["complaint", "help", "consultation", "report", "suggestion"];
const INCIDENT_CATEGORIES = [
  ["01", "刑事类警情"], ["02", "治安类警情"], ["03", "道路交通类警情"], ["04", "群体性事件"], ["05", "公共设施险情"],
  ["06", "灾害事故"], ["07", "紧急求助"], ["08", "纠纷"], ["09", "警务投诉"], ["10", "非警务警情"], ["99", "其他"],
];

// Triage's candidates first, then units serving the request's district (and category), then every other unit.
async function unitOptions(req, decision) {
  const seen = new Set();
  const options = [["", t("unit_none")]];
  const add = (id, name) => {
    if (seen.has(String(id))) return;
    seen.add(String(id));
    options.push([id, name]);
  };
  for (const c of unitCandidates(decision)) add(c.id, c.name);
  const category = decision && decision.category;
  const district = req.adcode ? req.adcode.slice(0, 6) : null;
  const [local, all] = await Promise.all([
    district ? get(`/api/v1/organisations${query({ category, adcode: district, limit: 100 })}`) : { items: [] },
    get(`/api/v1/organisations${query({ limit: 200 })}`),
  ]);
  const handling = (o) => o.active && ["government", "department", "street_office", "enterprise"].includes(o.kind);
  for (const o of [...local.items, ...all.items]) if (handling(o)) add(o.id, o.name);
  return options;
}

export async function workOrderForm(ctx) {
  const { current: req, decision } = ctx.state;
  const units = await unitOptions(req, decision);
  return actionForm({
    id: "wo-form", title: t("create_wo"), onCancel: ctx.close,
    fields: [
      field("request_type", select("request_type", TYPES.map((v) => [v, label(v)]), (decision && decision.request_type) || "complaint")),
      field("category", h("input", { name: "category", maxlength: 80, value: (decision && decision.category) || "" })),
      field("urgency", select("urgency", ["normal", "important", "urgent"].map((v) => [v, label(v)]), decision && decision.emergency ? "urgent" : "normal")),
      field("unit", select("handling_unit_id", units, units.length > 1 ? units[1][0] : "")),
    ],
    send: (f) => post("/api/v1/work-orders", {
      request_id: req.id, request_type: value(f, "request_type"), category: value(f, "category"),
      urgency: value(f, "urgency"), handling_unit_id: value(f, "handling_unit_id") ? Number(value(f, "handling_unit_id")) : null,
    }),
    after: (order) => ctx.done(t("created_wo", { n: order.number })),
  });
}

async function policeStations() {
  const page = await get(`/api/v1/organisations${query({ kind: "police_station", limit: 100 })}`);
  return page.items;
}

function stationFor(stations, adcode) {
  const district = adcode ? adcode.slice(0, 6) : "";
  const hit = stations.find((s) => s.regions.some((r) => district && district.startsWith(r)));
  return hit ? hit.id : "";
}

export async function incidentForm(ctx) {
  const { current: req, decision } = ctx.state;
  const stations = await policeStations();
  return actionForm({
    id: "incident-form", title: t("create_incident"), onCancel: ctx.close,
    fields: [
      field("incident_category", select("category_code", INCIDENT_CATEGORIES, decision && decision.emergency ? "07" : "02")),
      field("priority", select("priority", [1, 2, 3, 4].map((p) => [p, String(p)]), decision && decision.emergency ? 1 : 3)),
      field("address", h("input", { name: "address", maxlength: 500, value: req.location_text || "" })),
      field("jurisdiction", select("jurisdiction_unit_id", [["", "—"], ...stations.map((s) => [s.id, s.name])], stationFor(stations, req.adcode))),
    ],
    send: (f) => post("/api/v1/incidents", {
      request_id: req.id, category_code: value(f, "category_code"), priority: Number(value(f, "priority")),
      address: value(f, "address"), adcode: req.adcode || null,
      jurisdiction_unit_id: value(f, "jurisdiction_unit_id") ? Number(value(f, "jurisdiction_unit_id")) : null,
    }),
    after: (incident) => ctx.done(t("created_incident", { n: incident.number })),
  });
}

function reasonText(decision) {
  if (!decision) return "";
  return (decision.reasons || []).map((r) => r.detail || (r.words || []).join("、")).filter(Boolean).join("; ").slice(0, 1000);
}

export function transferForm(ctx) {
  const req = ctx.state.current;
  const to = ctx.state.platform === "110" ? "12345" : "110";
  return actionForm({
    id: "transfer-form", title: t("transfer_to", { p: to }), onCancel: ctx.close,
    fields: [field("reason", h("textarea", { name: "reason", rows: 3, maxlength: 2000, required: true }, reasonText(ctx.state.decision) || req.content.slice(0, 200)))],
    send: (f) => post("/api/v1/linkage/transfers", { request_id: req.id, to_platform: to, reason: value(f, "reason") }),
    after: () => ctx.done(t("transferred")),
  });
}

function negotiationView(ctx, negotiation) {
  const notes = (negotiation.notes || []).map((n) => h("li", {}, h("b", {}, label(n.party)), ` ${n.text}`));
  const box = h("div", { id: "negotiation" },
    h("h3", {}, `${t("negotiation")} · ${label(negotiation.status)}`),
    h("p", { class: "muted" }, `${t("deadline")}: ${negotiation.deadline || "—"}`),
    h("ul", {}, notes),
    actionForm({
      id: "note-form", submitLabel: t("add_note"),
      fields: [h("div", { class: "row" },
        field("party", select("party", ["caller", "12345", "110"].map((p) => [p, label(p)]), ctx.state.platform)),
        field("note", h("input", { name: "text", maxlength: 4000, required: true })))],
      send: (f) => post(`/api/v1/linkage/negotiations/${negotiation.id}/notes`, { party: value(f, "party"), text: value(f, "text") }),
      after: (n) => box.replaceWith(negotiationView(ctx, n)),
    }),
    h("div", { class: "buttons" }, ["12345", "110"].map((p) => h("button", { type: "button", onclick: async () => {
      ctx.done(t("decide_for", { p }), await post(`/api/v1/linkage/negotiations/${negotiation.id}/decide`, { platform: p }));
    } }, t("decide_for", { p })))),
  );
  return box;
}

export function negotiationForm(ctx) {
  const req = ctx.state.current;
  const holder = h("div", {});
  holder.append(actionForm({
    id: "negotiate-form", title: t("negotiate"), onCancel: ctx.close,
    fields: [field("reason", h("textarea", { name: "reason", rows: 3, maxlength: 2000, required: true }, reasonText(ctx.state.decision)))],
    send: (f) => post("/api/v1/linkage/negotiations", { request_id: req.id, reason: value(f, "reason") }),
    after: (n) => holder.replaceChildren(negotiationView(ctx, n)),
  }));
  return holder;
}

export async function guidanceForm(ctx) {
  const req = ctx.state.current;
  const path = "/api/v1/linkage/guidance-scripts";
  const scripts = (await available(path)) ? await get(path).catch(() => []) : [];
  const guides = (ctx.state.decision && ctx.state.decision.guidance) || [];
  const form = actionForm({
    id: "guide-form", title: t("guidance"), onCancel: ctx.close,
    fields: [
      scripts.length ? field("script", select("script", [["", "—"], ...scripts.map((s) => [s.id, s.title])], "")) : null,
      field("note", h("textarea", { name: "note", rows: 3, maxlength: 2000, required: true }, guides.map((g) => g.text || g.body || "").join(" "))),
      field("referral_body", h("input", { name: "referral_body", maxlength: 200 })),
      field("referral_phone", h("input", { name: "referral_phone", maxlength: 40 })),
      field("referral_channel", h("input", { name: "referral_channel", maxlength: 200 })),
    ],
    // A script of the maintained list is recorded through linkage (it keeps which script); free text otherwise.
    send: (f) => (value(f, "script")
      ? post("/api/v1/linkage/guidance", { request_id: req.id, guidance_id: value(f, "script"), note: value(f, "note") })
      : post(`/api/v1/requests/${req.id}/guide`, {
        note: value(f, "note"), referral_body: value(f, "referral_body"), referral_phone: value(f, "referral_phone"),
        referral_channel: value(f, "referral_channel"),
      })),
    after: () => ctx.done(t("guided")),
  });
  const picker = form.elements.script;
  if (picker) picker.addEventListener("change", () => {
    const s = scripts.find((x) => String(x.id) === picker.value);
    if (!s) return;
    form.elements.note.value = s.title ? `${s.title}: ${s.body || ""}` : s.body || "";
    form.elements.referral_body.value = s.referral_body || "";
    form.elements.referral_phone.value = s.referral_phone || "";
    form.elements.referral_channel.value = s.referral_channel || "";
  });
  return form;
}

export function visitForm(ctx, order) {
  return actionForm({
    id: "visit-form", title: `${t("visit")} ${order.number}`, onCancel: ctx.close,
    fields: [
      h("p", { class: "clip" }, order.handle_opinion || ""),
      field("satisfaction", select("satisfaction", [5, 4, 3, 2, 1].map((v) => [v, "★".repeat(v)]), 5)),
      field("note", h("input", { name: "note", maxlength: 2000 })),
    ],
    send: (f) => post(`/api/v1/work-orders/${order.id}/visit`, { satisfaction: Number(value(f, "satisfaction")), note: value(f, "note") }),
    after: (o) => ctx.done(`${t("visit")} ${o.number}: ${label(o.status)}`),
  });
}

const INCIDENT_BODIES = {
  dispatch: async () => {
    const stations = await policeStations();
    return [field("jurisdiction", select("jurisdiction_unit_id", stations.map((s) => [s.id, s.name]), ""))];
  },
  redispatch: async () => INCIDENT_BODIES.dispatch(),
  arrive: async () => [],
  resolve: async () => [field("note", h("textarea", { name: "disposition", rows: 2, maxlength: 8000, required: true }))],
  feedback: async () => [field("note", h("textarea", { name: "feedback", rows: 2, maxlength: 8000, required: true }))],
  cancel: async () => [field("reason", h("input", { name: "reason", maxlength: 2000, required: true }))],
};

export async function incidentStepForm(ctx, incident, action) {
  return actionForm({
    id: "step-form", title: `${label(action)} ${incident.number}`, onCancel: ctx.close,
    fields: await INCIDENT_BODIES[action](),
    send: (f) => {
      const body = {};
      for (const el of f.elements) if (el.name && value(f, el.name) !== null) body[el.name] = el.name.endsWith("_id") ? Number(value(f, el.name)) : value(f, el.name);
      return post(`/api/v1/incidents/${incident.id}/${action}`, body);
    },
    after: (i) => ctx.done(`${i.number}: ${label(i.status)}`),
  });
}

// Accepting a transfer registers it here at once: a work order (12345) or an incident (110), pre-filled from triage.
export async function acceptForm(ctx, transfer, req) {
  const decision = transfer.triage || null;
  const is110 = transfer.to_platform === "110";
  let fields;
  if (is110) {
    const stations = await policeStations();
    fields = [
      field("incident_category", select("category_code", INCIDENT_CATEGORIES, transfer.emergency ? "07" : "02")),
      field("jurisdiction", select("jurisdiction_unit_id", [["", "—"], ...stations.map((s) => [s.id, s.name])], stationFor(stations, req.adcode))),
    ];
  } else {
    const units = await unitOptions(req, decision);
    fields = [
      field("request_type", select("request_type", TYPES.map((v) => [v, label(v)]), (decision && decision.request_type) || "help")),
      field("category", h("input", { name: "category", maxlength: 80, value: (decision && decision.category) || "" })),
      field("unit", select("handling_unit_id", units, units.length > 1 ? units[1][0] : "")),
    ];
  }
  return actionForm({
    id: "accept-form", title: `${t("accept")} ${req.number}`, onCancel: ctx.close,
    fields: [h("p", { class: "content" }, req.content), ...fields, field("note", h("input", { name: "note", maxlength: 2000 }))],
    send: (f) => {
      const body = {};
      for (const el of f.elements) if (el.name && value(f, el.name) !== null) body[el.name] = el.name.endsWith("_id") ? Number(value(f, el.name)) : value(f, el.name);
      return post(`/api/v1/linkage/transfers/${transfer.id}/accept`, body);
    },
    after: (tr) => ctx.done(tr.work_order_id ? `${t("accepted_t")} → ${t("work_order")} #${tr.work_order_id}` : `${t("accepted_t")} → ${t("incident")} #${tr.incident_id}`),
  });
}
