// The creator's captions page: upload a file, edit a track's WebVTT, delete it, ask for automatic captions,
// set the video's language. Every refusal from the API (which names the line) is shown as it came.
import { apiJSON, csrfToken } from "../reelbox/api.js";

const root = document.getElementById("captions");
const api = root.dataset.api;
const t = root.dataset;

function showError(el, err) {
  el.textContent = err ? err.message : "";
  el.hidden = !err;
}

document.querySelector(".video-language").addEventListener("submit", async (e) => {
  e.preventDefault();
  const status = e.target.querySelector(".status");
  try {
    await apiJSON(api, { method: "PATCH", headers: { "Content-Type": "application/json" },
                         body: JSON.stringify({ language: e.target.language.value }) });
    status.textContent = t.i18nSaved;
  } catch (err) { status.textContent = err.message; }
});

const upload = document.querySelector(".upload-track");
upload.addEventListener("submit", async (e) => {
  e.preventDefault();
  const error = upload.querySelector(".field-error");
  try {
    await apiJSON(api + "/captions", { method: "POST", body: new FormData(upload) });
    location.reload();
  } catch (err) { showError(error, err); }
});

const editor = document.querySelector(".track-editor");
let editing = null;
for (const row of document.querySelectorAll(".track")) {
  const language = row.dataset.language;
  row.querySelector(".edit-track").addEventListener("click", async () => {
    const response = await fetch(`${api}/captions/${language}.vtt`, { credentials: "same-origin" });
    editor.vtt.value = await response.text();
    editing = language;
    showError(editor.querySelector(".field-error"), null);
    editor.hidden = false;
    editor.vtt.focus();
  });
  row.querySelector(".delete-track").addEventListener("click", async () => {
    if (!confirm(t.i18nDeleteConfirm)) return;
    await fetch(`${api}/captions/${language}`, { method: "DELETE", credentials: "same-origin",
                                                 headers: { "X-CSRFToken": csrfToken() } });
    location.reload();
  });
}
editor.querySelector(".cancel").addEventListener("click", () => { editor.hidden = true; editing = null; });
editor.addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    await apiJSON(`${api}/captions/${editing}`, { method: "PUT", headers: { "Content-Type": "application/json" },
                                                  body: JSON.stringify({ vtt: editor.vtt.value }) });
    location.reload();
  } catch (err) { showError(editor.querySelector(".field-error"), err); }
});

const auto = document.querySelector(".request-auto");
if (auto) {
  auto.addEventListener("click", async () => {
    const error = document.querySelector(".auto-error");
    try {
      await apiJSON(api + "/captions/auto", { method: "POST" });
      document.querySelector(".auto-status").textContent = t.i18nQueued;
      auto.disabled = true;
      poll();
    } catch (err) { showError(error, err); }
  });
}

async function poll() {
  const info = await apiJSON(api + "/captions");
  if (info.auto.status === "queued" || info.auto.status === "running") setTimeout(poll, 3000);
  else if (info.auto.status === "failed") document.querySelector(".auto-status").textContent = t.i18nFailed;
  else location.reload();
}
const initial = document.querySelector(".auto-status");
if (initial && initial.textContent.trim()) poll();
