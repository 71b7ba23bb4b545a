// Small form builders shared by the screens: a labelled field, a select, and a submit wrapper with errors.
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { showError } from "./shell.js";

export function field(key, control) {
  return h("label", { class: "field" }, h("span", {}, t(key)), control);
}

export function select(name, options, selected) {
  return h("select", { name, id: `f-${name}` },
    options.map(([value, text]) => h("option", { value, selected: String(value) === String(selected) }, text)));
}

// A form that posts `build(form)` through `send`, then calls `after(result)`; errors stay on screen.
export function actionForm({ id, title, fields, submitLabel, send, after, onCancel }) {
  const form = h("form", { class: "action-form", id },
    title ? h("h3", {}, title) : null,
    fields,
    h("div", { class: "buttons" },
      h("button", { type: "submit", class: "primary", id: `${id}-submit` }, submitLabel || t("submit")),
      onCancel ? h("button", { type: "button", class: "ghost", onclick: onCancel }, t("cancel")) : null),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await after(await send(form));
    } catch (err) {
      showError(err);
    } finally {
      button.disabled = false;
    }
  });
  // Ctrl+Enter submits from a textarea, Enter everywhere else.
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.ctrlKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  return form;
}

export function value(form, name) {
  const el = form.elements[name];
  const v = el ? el.value.trim() : "";
  return v === "" ? null : v;
}
