// The seat's right-hand column: triage decision and reasons, similar past cases, knowledge-base answers.
import { available, get, post, query } from "./api.js";
import { h, mount } from "./dom.js";
import { label, t } from "./i18n.js";

// Triage decision for a text; null when the deployment has no triage endpoint yet.
export async function decide(req) {
  if (req.triage && req.triage.platform) return req.triage;
  try {
    return await post("/api/v1/triage/decide", { text: req.content });
  } catch (err) {
    if (err.status === 404) return null;
    throw err;
  }
}

export function unitCandidates(decision) {
  if (!decision) return [];
  return decision.units || decision.unit_candidates || decision.candidates || [];
}

export function renderTriage(el, decision, current) {
  if (!current) return mount(el, h("h2", {}, t("triage")), h("p", { class: "muted" }, t("nothing")));
  if (!decision) return mount(el, h("h2", {}, t("triage")), h("p", { class: "muted" }, t("triage_na")));
  const reasons = (decision.reasons || []).map((r) =>
    h("li", {}, h("b", {}, r.rule || ""), " ", (r.words || []).join("、"), r.detail ? ` — ${r.detail}` : ""),
  );
  return mount(el,
    h("h2", {}, t("triage")),
    h("p", { class: "decision", id: "triage-platform" },
      h("span", { class: `pill big p${decision.platform}` }, label(decision.platform)),
      decision.emergency ? h("span", { class: "pill danger" }, t("emergency")) : null,
      decision.uncertain ? h("span", { class: "pill warn" }, t("uncertain")) : null),
    h("dl", { class: "kv" },
      h("dt", {}, t("request_type")), h("dd", {}, label(decision.request_type)),
      h("dt", {}, t("category")), h("dd", {}, decision.category || "—"),
      h("dt", {}, t("confidence")), h("dd", {}, `${Math.round((decision.confidence || 0) * 100)}%`)),
    h("h3", {}, t("reasons")),
    reasons.length ? h("ul", { class: "reasons" }, reasons) : h("p", { class: "muted" }, t("nothing")),
  );
}

export async function renderSimilar(el, decision, current) {
  mount(el, h("h2", {}, t("similar")));
  const category = decision && decision.category;
  if (!current || !category) return el.append(h("p", { class: "muted" }, t("nothing")));
  const page = await get(`/api/v1/work-orders${query({ category, limit: 6 })}`);
  const items = page.items.filter((o) => o.request_id !== current.id).slice(0, 5);
  if (!items.length) return el.append(h("p", { class: "muted" }, t("nothing")));
  el.append(h("ul", { class: "cases" }, items.map((o) => h("li", {},
    h("div", {}, h("b", {}, o.number || `#${o.id}`), " ", h("span", { class: "pill" }, label(o.status))),
    h("div", { class: "clip" }, o.summary),
    o.handle_opinion ? h("div", { class: "muted clip" }, `${t("opinion")}: ${o.handle_opinion}`) : null,
  ))));
}

export async function renderKnowledge(el, current) {
  const path = "/api/v1/knowledge/search";
  if (!current || !(await available(path))) {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  mount(el, h("h2", {}, t("knowledge")));
  const data = await get(`${path}${query({ q: current.content.slice(0, 500), limit: 3 })}`).catch(() => null);
  const items = (data && (data.items || data.hits || data)) || [];
  if (!Array.isArray(items) || !items.length) return el.append(h("p", { class: "muted" }, t("nothing")));
  el.append(h("ul", { class: "cases" }, items.slice(0, 3).map((k) =>
    h("li", {}, h("b", {}, k.question || k.title || ""), h("div", { class: "clip" }, k.answer || k.matched || "")),
  )));
}
