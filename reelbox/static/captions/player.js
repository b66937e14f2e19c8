// Captions on a feed item: <track> elements (native playback and hls.js alike, since both render through the
// <video> element), a toggle, a language picker, and the caption text translated on request with
// "Translated from X" and a way back to the original. Caption text is user input: text nodes only.
import { apiJSON } from "../reelbox/api.js";

const root = document.getElementById("feed");
const i18n = root ? root.dataset : {};
const uiLang = (document.documentElement.lang || "en").toLowerCase();
const PREF = "reelbox.captions";  // "off", or the language last chosen
const names = (() => {
  try { return new Intl.DisplayNames([uiLang], { type: "language" }); } catch { return null; }
})();

function languageName(code) {
  try { return (names && names.of(code)) || code; } catch { return code; }
}

function preference() {
  try { return localStorage.getItem(PREF) || ""; } catch { return ""; }
}

function remember(value) {
  try { localStorage.setItem(PREF, value); } catch { /* private mode */ }
}

function sameLanguage(a, b) {
  return Boolean(a && b) && (a === b || (a.split("-")[0] === b.split("-")[0] && !a.startsWith("zh")));
}

export function attachCaptions(item) {
  const el = item.el;
  const video = item.video;
  const edit = el.querySelector(".edit-captions");
  if (edit && i18n.viewer && video.author && i18n.viewer === video.author.username) {
    edit.href = `/v/${encodeURIComponent(video.id)}/captions`;
    edit.hidden = false;
  }
  let loaded = null;
  return function load() {
    loaded ||= apiJSON(`/api/v1/videos/${encodeURIComponent(video.id)}/captions`)
      .then((info) => { setupTracks(el, item.player, info); setupTranslation(el, video, info); })
      .catch((err) => console.warn("captions unavailable", err));
    return loaded;
  };
}

function setupTracks(el, player, info) {
  const tracks = [...info.tracks];
  // No track in the viewer's language but a translator: offer one translated from the first track.
  if (tracks.length && info.translation.available && !tracks.some((t) => sameLanguage(t.language, uiLang))) {
    const from = tracks.find((t) => sameLanguage(t.language, info.video_language)) || tracks[0];
    tracks.push({ language: uiLang, name: i18n.i18nTranslatedTrack.replace("{language}", languageName(uiLang)),
                  url: `${from.url}?to=${encodeURIComponent(uiLang)}`, translated: true });
  }
  if (!tracks.length) return;
  const box = el.querySelector(".cc");
  const toggle = box.querySelector(".cc-toggle");
  const select = box.querySelector(".cc-lang");
  const off = new Option(i18n.i18nCaptionsOff, "");
  select.append(off);
  const elements = [];
  tracks.forEach((t, index) => {
    const track = document.createElement("track");
    elements.push(track);
    track.kind = "subtitles";
    track.srclang = t.language;
    track.label = t.name;
    track.src = t.url;
    track.dataset.index = String(index);
    player.append(track);
    select.append(new Option(t.name, String(index)));
  });
  let chosen = "";
  // By element, not by index: hls.js may add text tracks of its own (CEA-608 captions in the stream).
  const apply = () => {
    const ours = new Set(elements.map((el) => el.track));
    elements.forEach((el, i) => {
      const mode = String(i) === chosen ? "showing" : "disabled";
      if (el.track.mode !== mode) el.track.mode = mode;
    });
    if (chosen !== "") {
      for (const tt of player.textTracks) if (!ours.has(tt) && tt.mode === "showing") tt.mode = "disabled";
    }
  };
  const show = (index) => {
    chosen = index;
    apply();
    select.value = index;
    toggle.setAttribute("aria-pressed", index === "" ? "false" : "true");
  };
  // The browser's own automatic track selection runs as tracks load and may show another one: ours wins.
  player.textTracks.addEventListener("change", apply);
  player.textTracks.addEventListener("addtrack", apply);
  // A machine translation only when the viewer chose that language once: by default the creator's own
  // track in the viewer's language, else the first one (translating every video scrolled past costs).
  const pick = () => {
    const wanted = preference();
    if (wanted === "off") return "";
    let index = wanted ? tracks.findIndex((t) => sameLanguage(t.language, wanted)) : -1;
    if (index < 0) index = tracks.findIndex((t) => !t.translated && sameLanguage(t.language, uiLang));
    return String(index >= 0 ? index : tracks.findIndex((t) => !t.translated));
  };
  show(pick());
  box.hidden = false;
  box.addEventListener("click", (e) => e.stopPropagation());
  toggle.addEventListener("click", () => {
    if (select.value === "") { remember(uiLang); show(pick() || "0"); }
    else { remember("off"); show(""); }
  });
  select.addEventListener("change", () => {
    remember(select.value === "" ? "off" : tracks[Number(select.value)].language);
    show(select.value);
  });
}

function setupTranslation(el, video, info) {
  const source = info.video_language;
  if (!source || !video.caption || !info.translation.available || sameLanguage(source, uiLang)) return;
  const bar = el.querySelector(".translation-bar");
  const label = bar.querySelector(".translated-from");
  const button = bar.querySelector(".see-translation");
  const caption = el.querySelector(".caption");
  let translated = null;
  let original = [];
  let showing = false;
  bar.hidden = false;
  bar.addEventListener("click", (e) => e.stopPropagation());
  button.addEventListener("click", async () => {
    if (showing) {
      // The original as it was rendered (hashtags and mentions linked), not re-rendered here.
      caption.replaceChildren(...original.map((node) => node.cloneNode(true)));
      caption.lang = source;
      label.textContent = "";
      button.textContent = i18n.i18nSeeTranslation;
      showing = false;
      return;
    }
    try {
      translated ||= await apiJSON(`/api/v1/videos/${encodeURIComponent(video.id)}/translation?to=${encodeURIComponent(uiLang)}`);
    } catch (err) {
      label.textContent = i18n.i18nTranslationFailed;
      return;
    }
    original = [...caption.childNodes].map((node) => node.cloneNode(true));
    caption.textContent = translated.text;
    caption.lang = translated.target_language;
    label.textContent = translated.translated_from;
    button.textContent = i18n.i18nSeeOriginal;
    showing = true;
  });
}
