// Batches player events and posts them to /api/v1/events.
// fetch(..., {keepalive: true}) rather than sendBeacon: it can carry the CSRF
// header that session-authenticated posts need, and still survives page unload.
import { csrfToken } from "./api.js";

export class Beacons {
  constructor(url, { flushMs = 4000, maxBatch = 50 } = {}) {
    this.url = url; this.queue = []; this.maxBatch = maxBatch;
    this.timer = setInterval(() => this.flush(), flushMs);
    const flushNow = () => this.flush();
    addEventListener("pagehide", flushNow);
    document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flushNow(); });
  }

  push(video_id, type, watch_ms = 0) {
    this.queue.push({ video_id, type, watch_ms: Math.max(0, Math.round(watch_ms)), client_ts: Date.now() });
    if (this.queue.length >= this.maxBatch) this.flush();
  }

  flush() {
    if (!this.queue.length) return;
    const events = this.queue.splice(0, this.maxBatch);
    fetch(this.url, {
      method: "POST", keepalive: true, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ events }),
    }).catch(() => { this.queue.unshift(...events.slice(0, this.maxBatch - this.queue.length)); });
  }
}
