// Shared helpers for talking to the JSON API from the web UI (session + CSRF).
export function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (m) return decodeURIComponent(m[1]);
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

export async function apiJSON(url, options = {}) {
  const headers = Object.assign({ Accept: "application/json", "X-CSRFToken": csrfToken() }, options.headers || {});
  const response = await fetch(url, Object.assign({ credentials: "same-origin" }, options, { headers }));
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  if (!response.ok) {
    const err = new Error((body && body.detail) || response.statusText);
    err.status = response.status; err.code = body && body.code;
    throw err;
  }
  return body;
}
