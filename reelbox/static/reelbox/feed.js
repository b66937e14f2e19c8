// The vertical swipe feed: one full-height video per screen, autoplay muted,
// the next one preloaded, events reported as the viewer watches.
import { apiJSON } from "./api.js";
import { Beacons } from "./beacons.js";
import { attachSocial, loadStates } from "./social.js";
import { attachCaptions } from "../captions/player.js";
import { renderCaption } from "../discovery/hashtags.js";

const root = document.getElementById("feed");
const template = document.getElementById("feed-item");
const beacons = new Beacons(root.dataset.eventsUrl);
const state = { cursor: JSON.parse(document.getElementById("feed-cursor").textContent), loading: false,
                muted: true, items: [], seen: new Set() };
const PROGRESS_EVERY_MS = 5000;
const SKIP_BELOW_MS = 2000;

function pickRendition(video) {
  // The smallest rendition at least as wide as the screen's pixels, else the largest.
  const want = Math.min(innerWidth * (devicePixelRatio || 1), 1080);
  const byWidth = [...video.renditions].sort((a, b) => a.width - b.width);
  return byWidth.find((r) => r.width >= want) || byWidth[byWidth.length - 1];
}

// A video whose ladder is still encoding has no MP4 yet, only the growing HLS
// playlist of its first rendition. Chromium's own HLS player refuses a playlist
// that is still growing, so hls.js (Media Source Extensions) plays it, loaded
// the first time such a video comes up; Safari plays it natively.
const HLS_TYPE = "application/vnd.apple.mpegurl";
let hlsLoader = null;
function loadHls() {
  hlsLoader ||= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = root.dataset.hlsJs;
    script.onload = () => resolve(window.Hls);
    script.onerror = reject;
    document.head.append(script);
  });
  return hlsLoader;
}

function canPlay(video) {
  if (video.renditions.length) return true;
  return Boolean(video.hls_url && (window.MediaSource || document.createElement("video").canPlayType(HLS_TYPE)));
}

class Item {
  constructor(video) {
    this.video = video;
    this.el = template.content.firstElementChild.cloneNode(true);
    this.el.dataset.videoId = video.id;
    this.player = this.el.querySelector("video");
    this.player.poster = video.poster_url || "";
    const author = this.el.querySelector(".author");
    author.textContent = "@" + video.author.username;
    author.href = "/@" + encodeURIComponent(video.author.username);
    renderCaption(this.el.querySelector(".caption"), video.caption);  // #tags link to their pages
    this.showSound(video.sound);
    this.bindMenu();
    this.unmute = this.el.querySelector(".unmute");
    this.unmute.hidden = !state.muted;
    this.bar = this.el.querySelector(".bar");
    this.watchedMs = 0; this.reportedMs = 0; this.lastTime = 0; this.completed = false; this.loops = 0;
    attachSocial(this.el, video);
    this.loadCaptions = attachCaptions(this);
    this.bind();
  }

  showSound(sound) {
    if (!sound) return;
    const link = this.el.querySelector(".sound");
    link.href = "/sound/" + encodeURIComponent(sound.id);
    link.querySelector(".sound-title").textContent =
      sound.title || root.dataset.i18nOriginalSound.replace("{name}", "@" + (sound.owner || ""));
    link.hidden = false;
  }

  bind() {
    const p = this.player;
    p.addEventListener("playing", () => { if (!this.played) { this.played = true; beacons.push(this.video.id, "play"); } });
    p.addEventListener("timeupdate", () => {
      const t = p.currentTime;
      if (t + 0.5 < this.lastTime) this.onLoop();  // `loop` restarts without an "ended" event
      else if (t > this.lastTime) this.watchedMs += (t - this.lastTime) * 1000;
      this.lastTime = t;
      if (p.duration) this.bar.style.width = (100 * t / p.duration) + "%";
      if (this.watchedMs - this.reportedMs >= PROGRESS_EVERY_MS) this.report("progress");
    });
    this.el.addEventListener("click", (e) => {
      if (e.target.closest("a, .actions")) return;
      if (state.muted) { setMuted(false); return; }
      if (p.paused) { p.play().catch(() => {}); this.el.classList.remove("paused"); }
      else { p.pause(); this.el.classList.add("paused"); }
    });
  }

  bindMenu() {
    // "Why this video?" with the recommender's reason, and the two feedback actions.
    const menu = this.el.querySelector(".why");
    if (!menu) return;
    const why = menu.querySelector(".why-text");
    if (this.video.reason) why.textContent = this.video.reason.text;
    else why.hidden = true;
    menu.addEventListener("click", (e) => e.stopPropagation());
    for (const button of menu.querySelectorAll("[data-feedback]")) {
      button.addEventListener("click", async () => {
        const kind = button.dataset.feedback;
        try {
          await apiJSON(root.dataset.feedbackUrl, { method: "POST", headers: { "Content-Type": "application/json" },
                                                   body: JSON.stringify({ video_id: this.video.id, kind }) });
          why.hidden = false;
          why.textContent = kind === "not_interested" ? root.dataset.i18nNotInterestedDone : root.dataset.i18nFewerDone;
          menu.open = false;
          if (current === this) go(1);
        } catch (err) { console.warn("feedback failed", err); }
      });
    }
  }

  report(type) {
    beacons.push(this.video.id, type, this.watchedMs - this.reportedMs);
    this.reportedMs = this.watchedMs;
  }

  onLoop() {
    this.loops += 1;
    if (!this.completed) { this.completed = true; this.report("complete"); }
    else beacons.push(this.video.id, "replay");
  }

  load() {
    if (this.loaded) return;
    this.loaded = true;
    this.player.preload = "auto";
    if (this.video.renditions.length) { this.player.src = pickRendition(this.video).url; return; }
    const url = this.video.hls_url;
    loadHls().then((Hls) => {
      if (!Hls.isSupported()) { this.player.src = url; return; }
      // From the first segment, not the live edge: the video is not live, only still encoding.
      this.hls = new Hls({ startPosition: 0 });
      this.hls.loadSource(url);
      this.hls.attachMedia(this.player);
    }).catch(() => { this.player.src = url; }).finally(() => {
      // Attaching a source aborts a play() made before it.
      if (this.active) this.player.play().catch(() => {});
    });
  }

  activate() {
    this.active = true;
    this.load();
    this.loadCaptions();
    this.player.muted = state.muted;
    this.player.play().catch(() => { this.el.classList.add("paused"); });
    this.el.classList.remove("paused");
  }

  deactivate() {
    this.active = false;
    if (this.player.paused && !this.played) return;
    this.player.pause();
    if (!this.completed && this.played) {
      if (this.watchedMs < SKIP_BELOW_MS) this.report("skip");
      else if (this.watchedMs > this.reportedMs) this.report("progress");
    }
  }
}

function setMuted(muted) {
  state.muted = muted;
  for (const item of state.items) { item.player.muted = muted; item.unmute.hidden = !muted; }
}

function append(videos) {
  for (const video of videos) {
    if (state.seen.has(video.id) || !canPlay(video)) continue;
    state.seen.add(video.id);
    const item = new Item(video);
    state.items.push(item);
    root.appendChild(item.el);
    observer.observe(item.el);
  }
  loadStates(videos);
  if (!state.items.length) showEnd(root.dataset.i18nEmpty);
}

function showEnd(text) {
  if (root.querySelector(".end")) return;
  const end = document.createElement("p");
  end.className = "end"; end.textContent = text;
  root.appendChild(end);
}

async function loadMore() {
  if (state.loading || !state.cursor) return;
  state.loading = true;
  try {
    const page = await apiJSON(root.dataset.feedUrl + "?cursor=" + encodeURIComponent(state.cursor));
    state.cursor = page.next_cursor;
    append(page.items);
    if (!state.cursor) showEnd(root.dataset.i18nEnd);
  } catch (err) {
    console.warn("feed page failed", err);
  } finally { state.loading = false; }
}

let current = null;
const observer = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    const item = state.items.find((i) => i.el === entry.target);
    if (!item) continue;
    if (entry.isIntersecting && entry.intersectionRatio >= 0.6) {
      if (!item.impressed) { item.impressed = true; beacons.push(item.video.id, "impression"); }
      if (current && current !== item) current.deactivate();
      current = item;
      item.activate();
      const index = state.items.indexOf(item);
      // Preload the next two so a swipe never waits on the network.
      for (const next of state.items.slice(index + 1, index + 3)) next.load();
      if (index >= state.items.length - 3) loadMore();
    }
  }
}, { root, threshold: [0.6] });

function go(delta) {
  const index = current ? state.items.indexOf(current) : 0;
  const target = state.items[Math.max(0, Math.min(state.items.length - 1, index + delta))];
  if (target) target.el.scrollIntoView({ behavior: "smooth", block: "start" });
}

addEventListener("keydown", (e) => {
  if (e.target.closest("input, textarea, select")) return;
  if (e.key === "ArrowDown" || e.key === "PageDown" || e.key === "j") { e.preventDefault(); go(1); }
  else if (e.key === "ArrowUp" || e.key === "PageUp" || e.key === "k") { e.preventDefault(); go(-1); }
  else if (e.key === " ") { e.preventDefault(); current && current.el.click(); }
  else if (e.key === "m") setMuted(!state.muted);
});

append(JSON.parse(document.getElementById("feed-items").textContent));
if (!state.cursor && state.items.length) showEnd(root.dataset.i18nEnd);
window.reelboxFeed = { state, go, flush: () => beacons.flush() };
