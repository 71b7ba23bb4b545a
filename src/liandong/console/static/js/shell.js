// The page frame shared by every screen: who is signed in, the menu by role, language, logout, messages.
import { get, post } from "./api.js";
import { $, h, mount } from "./dom.js";
import { applyStatic, getLang, label, onLangChange, setLang, t } from "./i18n.js";

const HOME = {
  seat_12345: "/console/seat", seat_110: "/console/seat", unit_staff: "/console/unit",
  supervisor: "/console/supervisor", admin: "/console/supervisor",
};
const NAV = {
  seat_12345: ["seat"], seat_110: ["seat"], unit_staff: ["unit"],
  supervisor: ["supervisor", "seat"], admin: ["supervisor", "seat", "unit"],
};

export function homeFor(role) {
  return HOME[role] || "/public";
}

function langButton() {
  const button = $("#lang");
  const sync = () => {
    button.textContent = getLang() === "en" ? "中文" : "English";
  };
  button.addEventListener("click", () => setLang(getLang() === "en" ? "zh" : "en"));
  onLangChange(sync);
  sync();
}

// Public pages: language switch only.
export function bootPublic() {
  langButton();
  applyStatic();
}

// Signed-in pages: who am I, the menu for my role; a missing session goes to the login page.
export async function boot() {
  langButton();
  applyStatic();
  const me = await get("/api/v1/auth/me");
  const renderFrame = () => {
    mount($("#who"), `${label(me.role)} · ${me.name}`);
    const page = document.body.dataset.page;
    const links = (NAV[me.role] || []).map((name) =>
      h("a", { href: `/console/${name}`, "aria-current": name === page ? "page" : null }, t(`nav_${name}`)),
    );
    mount($("#nav"), links);
  };
  renderFrame();
  onLangChange(renderFrame);
  const logout = $("#logout");
  logout.hidden = false;
  logout.addEventListener("click", async () => {
    await post("/api/v1/auth/logout").catch(() => null);
    location.assign("/console/login");
  });
  return me;
}

let toastTimer = null;

export function toast(message, kind = "ok") {
  const el = $("#toast");
  el.textContent = message;
  el.className = `toast ${kind}`;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, 5000);
}

export function showError(err) {
  const fields = (err.details && err.details.errors) || [];
  const extra = fields.length ? ` (${fields.map((f) => f.field).join(", ")})` : "";
  toast(`${t("error")}: ${err.message}${extra}`, "error");
}

let audio = null;

// A short two-tone beep from WebAudio: no sound file to ship, works offline.
export function beep() {
  try {
    audio = audio || new AudioContext();
    const now = audio.currentTime;
    for (const [i, freq] of [880, 660, 880].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.18);
      osc.stop(now + i * 0.18 + 0.15);
    }
  } catch {
    // No audio device (a headless browser, a muted kiosk): the visual banner still shows.
  }
}

export function banner(message, emergency = false) {
  const el = $("#banner");
  mount(el, h("span", {}, message), h("button", { type: "button", class: "ghost", onclick: () => {
    el.hidden = true;
  } }, "×"));
  el.className = emergency ? "banner emergency" : "banner";
  el.hidden = false;
  if (emergency) beep();
}
