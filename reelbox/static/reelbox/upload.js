// Resumable upload over tus 1.0: chunks survive a dropped connection and a
// page reload (the upload URL is remembered per file), then the page follows
// the video's status until it is ready or failed.
import { apiJSON, csrfToken } from "./api.js";

const form = document.getElementById("upload-form");
const fileInput = document.getElementById("file");
const caption = document.getElementById("caption");
const language = document.getElementById("language");
const progress = document.getElementById("progress");
const status = document.getElementById("upload-status");
const button = document.getElementById("post");
const t = form.dataset;
const CHUNK = 5 * 1024 * 1024;
const TUS = { "Tus-Resumable": "1.0.0" };

function say(text, link) {
  status.textContent = text;
  if (link) {
    const a = document.createElement("a");
    a.href = link; a.textContent = " " + t.i18nView; a.id = "view-video";
    status.appendChild(a);
  }
}

function b64(text) {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function headers(extra = {}) {
  return Object.assign({ "X-CSRFToken": csrfToken() }, TUS, extra);
}

async function errorOf(response) {
  try { return (await response.json()).detail; } catch { return response.statusText; }
}

async function create(file) {
  const key = "tus:" + [file.name, file.size, file.lastModified].join(":");
  const known = localStorage.getItem(key);
  if (known) {
    const head = await fetch(known, { method: "HEAD", headers: headers(), credentials: "same-origin" });
    if (head.ok && !head.headers.get("Reelbox-Video-Id")) return { url: known, key, offset: +head.headers.get("Upload-Offset") };
    localStorage.removeItem(key);
  }
  const response = await fetch(form.dataset.endpoint, {
    method: "POST", credentials: "same-origin",
    headers: headers({ "Upload-Length": String(file.size),
                       "Upload-Metadata": "filename " + b64(file.name) + ",caption " + b64(caption.value) +
                                          ",language " + b64(language.value) }),
  });
  if (response.status !== 201) throw new Error(await errorOf(response));
  const url = response.headers.get("Location");
  localStorage.setItem(key, url);
  return { url, key, offset: 0 };
}

async function send(file, upload) {
  let offset = upload.offset, failures = 0;
  while (offset < file.size) {
    progress.value = (100 * offset) / file.size;
    let response;
    try {
      response = await fetch(upload.url, {
        method: "PATCH", credentials: "same-origin", body: file.slice(offset, offset + CHUNK),
        headers: headers({ "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" }),
      });
    } catch {
      response = null;
    }
    if (response && response.status === 204) {
      offset = +response.headers.get("Upload-Offset");
      failures = 0;
      const videoId = response.headers.get("Reelbox-Video-Id");
      if (videoId) return videoId;
      continue;
    }
    if (response && response.status >= 400 && response.status < 500 && response.status !== 409 && response.status !== 423) {
      localStorage.removeItem(upload.key);
      throw new Error(await errorOf(response));
    }
    // Network trouble or an offset conflict: ask the server where it is and retry.
    failures += 1;
    if (failures > 8) throw new Error(t.i18nRetrying);
    say(t.i18nRetrying);
    await new Promise((r) => setTimeout(r, Math.min(30000, 500 * 2 ** failures)));
    const head = await fetch(upload.url, { method: "HEAD", headers: headers(), credentials: "same-origin" }).catch(() => null);
    if (head && head.ok) offset = +head.headers.get("Upload-Offset");
  }
  const info = await fetch(upload.url, { headers: headers(), credentials: "same-origin" }).then((r) => r.json());
  return info.video_id;
}

async function follow(videoId) {
  say(t.i18nProcessing, "/v/" + videoId);
  for (;;) {
    const video = await apiJSON("/api/v1/videos/" + encodeURIComponent(videoId));
    form.dataset.videoId = videoId; form.dataset.status = video.status;
    if (video.status === "ready") return say(t.i18nReady, "/v/" + videoId);
    if (video.status === "failed") return say(t.i18nFailed + " " + video.error);
    await new Promise((r) => setTimeout(r, 1500));
  }
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const file = fileInput.files[0];
  if (!file) return say(t.i18nChoose);
  if (file.size > +t.maxBytes * 1024 * 1024) return say(t.i18nTooLarge);
  button.disabled = true; progress.hidden = false; say(t.i18nUploading);
  try {
    const upload = await create(file);
    const videoId = await send(file, upload);
    localStorage.removeItem(upload.key);
    progress.value = 100;
    await follow(videoId);
  } catch (err) {
    form.dataset.status = "error";
    say(t.i18nError + " " + err.message);
  } finally { button.disabled = false; }
});
