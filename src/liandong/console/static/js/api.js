// JSON API client: the session cookie authenticates; errors carry the platform's {code, message, details}.
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code;
    this.details = (body && body.details) || {};
  }
}

export async function api(method, path, body) {
  const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text.slice(0, 200) };
  }
  if (!response.ok) {
    if (response.status === 401 && !path.endsWith("/auth/login")) {
      const next = encodeURIComponent(location.pathname);
      location.assign(`/console/login?next=${next}`);
    }
    throw new ApiError(response.status, data);
  }
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body === undefined ? {} : body);

const probes = new Map();

// Whether an endpoint exists on this deployment: an unknown route answers 404, a POST-only one 405.
export function available(path) {
  if (!probes.has(path)) {
    probes.set(
      path,
      fetch(path, { credentials: "same-origin" }).then((r) => r.status !== 404).catch(() => false),
    );
  }
  return probes.get(path);
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : "";
}
