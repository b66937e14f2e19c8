// The studio: pick or record clips, make a draft, edit its recipe, preview, save, publish now or later.
// Rendering happens on the server; this page only builds the recipe (see reelbox/media/edit.py) and
// shows approximate overlays on the player while editing.
import { apiJSON, csrfToken } from "../reelbox/api.js";

const config = JSON.parse(document.getElementById("studio-config").textContent);
const t = JSON.parse(document.getElementById("studio-i18n").textContent);
const $ = (id) => document.getElementById(id);
const form = $("studio-form");
const player = $("studio-player");
const POLL_MS = 800;

let draft = null;
let clips = [];           // File or Blob objects chosen or recorded
let texts = [];
let stickers = [];
let look = "none";

function say(text, link) {
  $("studio-status").textContent = text || "";
  if (link) {
    const a = document.createElement("a");
    a.href = link; a.id = "view-video"; a.textContent = " " + t.viewVideo;
    $("studio-status").appendChild(a);
  }
}

function fail(err) {
  const box = $("studio-error");
  box.textContent = t.failed + " " + (err && err.message ? err.message : String(err));
  box.hidden = false;
  if (err && err.field) box.dataset.field = err.field;
}

function clearError() { $("studio-error").hidden = true; $("studio-error").textContent = ""; }

function mode() {
  if (config.remix) return config.remix.kind;
  const checked = document.querySelector("input[name=mode]:checked");
  return checked ? checked.value : "edit";
}

// Sounds ------------------------------------------------------------------------------------------------

function fillSounds(select, withNone) {
  select.textContent = "";
  if (withNone) select.append(new Option(t.noSound, ""));
  const seen = new Set();
  for (const s of [config.sound, ...config.library].filter(Boolean)) {
    if (seen.has(s.id)) continue;
    seen.add(s.id);
    select.append(new Option(s.artist ? `${s.title} · ${s.artist}` : s.title, s.id));
  }
  if (config.sound) select.value = config.sound.id;
}

function soundById(id) {
  return [config.sound, ...config.library].find((s) => s && s.id === id) || null;
}

// Choosing and recording clips --------------------------------------------------------------------------

function updateSource() {
  const montage = mode() === "montage";
  $("studio-file").multiple = montage;
  $("montage-sound-box").hidden = !montage;
  $("clip-summary").textContent = clips.length ? clips.map((c) => c.name || "clip").join(", ") : "";
}

$("studio-file").addEventListener("change", (e) => {
  const chosen = [...e.target.files];
  clips = mode() === "montage" ? clips.concat(chosen).slice(0, config.max_clips) : chosen.slice(0, 1);
  updateSource();
});
for (const radio of document.querySelectorAll("input[name=mode]")) {
  radio.addEventListener("change", () => { clips = []; updateSource(); });
}

let recorder = null;
let stream = null;

$("camera-open").addEventListener("click", async () => {
  if (!navigator.mediaDevices || !window.MediaRecorder) { fail(new Error(t.noCamera)); return; }
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: true });
  } catch (err) {
    fail(err); return;
  }
  $("camera").hidden = false;
  $("camera-view").srcObject = stream;
  $("camera-view").play();
});

function countdown(from) {
  const el = $("countdown");
  el.hidden = false;
  return new Promise((resolve) => {
    let n = from;
    const tick = () => {
      if (n === 0) { el.hidden = true; resolve(); return; }
      el.textContent = String(n--);
      setTimeout(tick, 1000);
    };
    tick();
  });
}

$("record-start").addEventListener("click", async () => {
  if (!stream) return;
  $("record-start").disabled = true;
  await countdown(3);
  const chunks = [];
  const type = ["video/mp4", "video/webm;codecs=vp9,opus", "video/webm"].find((m) => MediaRecorder.isTypeSupported(m));
  recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
  recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
  recorder.onstop = () => {
    const blob = new Blob(chunks, { type: recorder.mimeType });
    const ext = recorder.mimeType.includes("mp4") ? "mp4" : "webm";
    const file = new File([blob], `recording-${clips.length + 1}.${ext}`, { type: recorder.mimeType });
    clips = mode() === "montage" ? clips.concat([file]).slice(0, config.max_clips) : [file];
    updateSource();
    say(t.recorded);
    $("record-start").disabled = false;
    $("record-stop").disabled = true;
  };
  recorder.start(250);
  $("record-stop").disabled = false;
  say(t.recording);
});

$("record-stop").addEventListener("click", () => { if (recorder && recorder.state !== "inactive") recorder.stop(); });

// Creating the draft ------------------------------------------------------------------------------------

async function upload() {
  clearError();
  if (!clips.length) { fail(new Error(t.chooseFile)); return; }
  const body = new FormData();
  for (const clip of clips) body.append("files", clip, clip.name || "clip.webm");
  body.append("kind", mode());
  if (config.remix) {
    body.append("source_video", config.remix.video_id);
    if (config.remix.kind === "duet") body.append("layout", $("layout").value);
    else { body.append("stitch_start", $("stitch-start").value); body.append("stitch_end", $("stitch-end").value); }
  }
  const sound = mode() === "montage" ? $("montage-sound").value : (config.sound ? config.sound.id : "");
  if (sound) body.append("sound", sound);
  say(t.uploading);
  $("studio-upload").disabled = true;
  try {
    draft = await apiJSON("/api/v1/drafts", { method: "POST", body });
    history.replaceState(null, "", `?draft=${draft.id}`);
    await settle(draft.status === "rendering" ? t.preparing : "");
    openEditor();
  } catch (err) {
    fail(err);
  } finally {
    $("studio-upload").disabled = false;
  }
}
$("studio-upload").addEventListener("click", upload);

// Poll until the worker is done with the draft (composing, preview, publishing).
async function settle(message) {
  if (message) say(message);
  while (["rendering", "publishing"].includes(draft.status)) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    draft = await apiJSON(`/api/v1/drafts/${draft.id}`);
  }
  form.dataset.status = draft.status;
  if (draft.status === "failed") throw Object.assign(new Error(draft.error || draft.status), { code: draft.error_code });
}

// Editing -----------------------------------------------------------------------------------------------

function openEditor() {
  say("");
  $("studio-source").hidden = true;
  $("studio-editor").hidden = false;
  form.dataset.status = draft.status;
  const r = draft.recipe || {};
  const trim = r.trim || { start: 0, end: draft.duration };
  $("trim-start").value = round(trim.start); $("trim-start").max = draft.duration;
  $("trim-end").value = round(trim.end); $("trim-end").max = draft.duration;
  $("speed").value = String(r.speed || 1);
  setLook(r.look || "none");
  texts = (r.texts || []).slice();
  stickers = (r.stickers || []).slice();
  $("original-volume").value = r.original_volume ?? 1;
  fillSounds($("sound-select"), true);
  if (r.sound) { $("sound-select").value = r.sound.id; $("sound-volume").value = r.sound.volume ?? 1; }
  else if (draft.sound && draft.kind !== "montage") $("sound-select").value = draft.sound.id;
  $("sound-box").hidden = draft.kind === "montage";
  $("reroll").hidden = draft.kind !== "montage";
  $("cover").value = r.cover || 0;
  $("caption").value = draft.caption || "";
  $("visibility").value = draft.visibility || "public";
  showMedia();
  renderLayers();
}

function round(x) { return Math.round((+x || 0) * 10) / 10; }

function showMedia() {
  const src = draft.preview_current && draft.preview_url ? draft.preview_url : (draft.preview_url || draft.base_url);
  if (src && player.getAttribute("src") !== src) player.src = src;
  $("cover").max = Math.max(0.1, outputLength());
  if (draft.cover_url) { $("cover-image").src = draft.cover_url; $("cover-image").hidden = false; }
}

function outputLength() {
  const start = +$("trim-start").value || 0;
  const end = +$("trim-end").value || draft.duration;
  return Math.max(0, end - start) / (+$("speed").value || 1);
}

function setLook(name) {
  look = name;
  for (const b of document.querySelectorAll("#looks [data-look]")) b.setAttribute("aria-checked", String(b.dataset.look === name));
}
for (const b of document.querySelectorAll("#looks [data-look]")) b.addEventListener("click", () => setLook(b.dataset.look));

function numberOr(value, fallback) { return value === "" || value == null ? fallback : +value; }

$("text-add").addEventListener("click", () => {
  const text = $("text-input").value.trim();
  if (!text) return;
  texts.push({ text, x: 0.5, y: +$("text-pos").value, size: +$("text-size").value, color: $("text-color").value,
               start: numberOr($("text-start").value, 0), end: numberOr($("text-end").value, outputLength()) });
  $("text-input").value = "";
  renderLayers();
});

for (const b of document.querySelectorAll("#sticker-picker [data-sticker]")) {
  b.addEventListener("click", () => {
    stickers.push({ id: b.dataset.sticker, x: 0.5, y: 0.3, scale: 0.3, start: 0, end: outputLength() });
    renderLayers();
  });
}

function renderLayers() {
  const layer = $("overlay-layer");
  layer.textContent = "";
  for (const [list, el, items, label] of [[texts, $("text-list"), "texts", t.text], [stickers, $("sticker-list"), "stickers", t.sticker]]) {
    el.textContent = "";
    list.forEach((item, i) => {
      const li = document.createElement("li");
      const name = document.createElement("span");
      name.textContent = items === "texts" ? item.text : `${label}: ${item.id}`;
      name.dir = "auto";
      const remove = document.createElement("button");
      remove.type = "button"; remove.className = "secondary small"; remove.textContent = t.remove;
      remove.addEventListener("click", () => { list.splice(i, 1); renderLayers(); });
      li.append(name, remove);
      el.append(li);
      // A rough on-player preview; the server's render is the truth.
      const mark = document.createElement(items === "texts" ? "span" : "img");
      mark.className = "overlay-item";
      mark.style.left = `${item.x * 100}%`; mark.style.top = `${item.y * 100}%`;
      if (items === "texts") { mark.textContent = item.text; mark.style.color = item.color; mark.style.fontSize = `${item.size * 100}cqh`; }
      else { const s = config.stickers.find((x) => x.id === item.id); if (s) mark.src = s.url; mark.style.width = `${item.scale * 100}%`; }
      layer.append(mark);
    });
  }
}

function recipe() {
  const soundId = draft.kind === "montage" ? "" : $("sound-select").value;
  const length = outputLength();
  const clampSpan = (x) => ({ ...x, start: Math.min(x.start, Math.max(0, length - 0.1)), end: Math.min(x.end ?? length, length) });
  return {
    trim: { start: numberOr($("trim-start").value, 0), end: numberOr($("trim-end").value, draft.duration) },
    speed: +$("speed").value,
    look,
    texts: texts.map(clampSpan),
    stickers: stickers.map(clampSpan),
    sound: soundId ? { id: soundId, offset: 0, volume: +$("sound-volume").value } : null,
    original_volume: +$("original-volume").value,
    cover: Math.min(+$("cover").value || 0, length),
  };
}

async function save(quiet) {
  clearError();
  draft = await apiJSON(`/api/v1/drafts/${draft.id}`, {
    method: "PATCH", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ recipe: recipe(), caption: $("caption").value, visibility: $("visibility").value }),
  });
  form.dataset.status = draft.status;
  if (!quiet) say(t.saved);
}

async function run(label, fn) {
  clearError();
  for (const b of document.querySelectorAll("#studio-editor button")) b.disabled = true;
  try { await fn(); } catch (err) { fail(err); say(""); } finally {
    for (const b of document.querySelectorAll("#studio-editor button")) b.disabled = false;
  }
}

$("save").addEventListener("click", () => run("save", () => save(false)));

$("preview-button").addEventListener("click", () => run("preview", async () => {
  await save(true);
  draft = await apiJSON(`/api/v1/drafts/${draft.id}/preview`, { method: "POST" });
  await settle(t.rendering);
  showMedia();
  say(t.previewReady);
}));

$("reroll").addEventListener("click", () => run("reroll", async () => {
  draft = await apiJSON(`/api/v1/drafts/${draft.id}/reroll`, { method: "POST" });
  await settle(t.rerolling);
  player.removeAttribute("src");
  openEditor();
}));

async function publish(at) {
  await save(true);
  const body = at ? { publish_at: new Date(at).toISOString() } : {};
  draft = await apiJSON(`/api/v1/drafts/${draft.id}/publish`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (draft.status === "scheduled") { form.dataset.status = "scheduled"; say(t.scheduled); return; }
  await settle(t.publishing);
  say(t.published, draft.video_id ? `/v/${draft.video_id}` : null);
}

$("publish").addEventListener("click", () => run("publish", () => publish(null)));
$("schedule").addEventListener("click", () => run("schedule", async () => {
  if (!$("publish-at").value) throw new Error(t.chooseTime);
  await publish($("publish-at").value);
}));

for (const id of ["trim-start", "trim-end", "speed"]) $(id).addEventListener("change", () => { $("cover").max = Math.max(0.1, outputLength()); });

// Start -------------------------------------------------------------------------------------------------

fillSounds($("montage-sound"), false);
updateSource();
if (config.draft) {
  draft = config.draft;
  openEditor();
  if (["rendering", "publishing"].includes(draft.status)) run("wait", async () => { await settle(t.preparing); openEditor(); });
  else if (draft.status === "failed") fail(new Error(draft.error || ""));
}
window.reelboxStudio = { get draft() { return draft; }, recipe: () => recipe(), csrf: csrfToken };
