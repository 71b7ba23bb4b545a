// Sign-in: the API sets an HttpOnly session cookie; then go to the role's home (or a same-site `next`).
import { ApiError, get, post } from "./api.js";
import { $, h, mount } from "./dom.js";
import { onLangChange, t } from "./i18n.js";
import { bootPublic, homeFor } from "./shell.js";

function safeNext() {
  const next = new URLSearchParams(location.search).get("next") || "";
  return /^\/console\/[a-z0-9/]*$/.test(next) && !next.startsWith("/console/login") ? next : null;
}

function render() {
  const error = h("p", { id: "login-error", class: "error", role: "alert" });
  const form = h("form", { class: "card login", autocomplete: "on" },
    h("h1", {}, t("login_title")),
    h("label", {}, t("username"), h("input", { name: "username", id: "username", required: true, maxlength: 64, autocomplete: "username" })),
    h("label", {}, t("password"), h("input", { name: "password", id: "password", type: "password", required: true, maxlength: 200, autocomplete: "current-password" })),
    h("button", { type: "submit", class: "primary" }, t("login")),
    error,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      await post("/api/v1/auth/login", { username: form.username.value.trim(), password: form.password.value });
      const me = await get("/api/v1/auth/me");
      location.assign(safeNext() || homeFor(me.role));
    } catch (err) {
      error.textContent = `${t("login_failed")}: ${err instanceof ApiError ? err.message : err}`;
    }
  });
  mount($("#main"), form);
  $("#username").focus();
}

bootPublic();
render();
onLangChange(render);
