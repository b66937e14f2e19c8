// Live updates over the WebSocket at /ws/: the unread badge, new messages and read receipts.
// Reconnects with exponential backoff (1 s doubling to 30 s, with jitter). Message text is
// always inserted as text, never as HTML.
(function () {
  "use strict";
  const body = document.body;
  const list = document.getElementById("messages");
  const form = document.getElementById("message-form");
  const conversationId = list ? Number(list.dataset.conversationId) : null;

  function wsUrl() {
    if (body.dataset.wsUrl) return body.dataset.wsUrl;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const port = body.dataset.wsPort;
    // `reelbox run` serves WebSockets on their own port; behind a proxy they share the origin.
    return port ? `${proto}//${location.hostname}:${port}/ws/` : `${proto}//${location.host}/ws/`;
  }

  function setBadge(count) {
    const badge = document.getElementById("notification-badge");
    if (!badge) return;
    badge.textContent = String(count);
    badge.hidden = !count;
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  function appendMessage(m) {
    if (!list || m.conversation_id !== conversationId) return;
    if (list.querySelector(`[data-message-id="${m.id}"]`)) return;
    const li = el("li", "message" + (m.sender.username === list.dataset.me ? " mine" : ""));
    li.dataset.messageId = m.id;
    li.appendChild(el("span", "message-sender", m.sender.display_name));
    if (m.text) li.appendChild(el("p", "message-text", m.text));
    if (m.video) {
      const fig = el("figure", "video-card");
      const video = document.createElement("video");
      if (m.video.mp4_url) video.src = m.video.mp4_url;
      if (m.video.poster_url) video.poster = m.video.poster_url;
      video.controls = true; video.playsInline = true; video.muted = true; video.preload = "none";
      fig.appendChild(video);
      const cap = el("figcaption");
      const a = el("a", null, m.video.caption || m.video.author.display_name);
      a.href = `/v/${encodeURIComponent(m.video.id)}`;
      cap.appendChild(a);
      fig.appendChild(cap);
      li.appendChild(fig);
    } else if (m.video_unavailable) {
      li.appendChild(el("p", "video-card unavailable", list.dataset.unavailable));
    }
    list.appendChild(li);
    li.scrollIntoView({block: "end"});
    if (m.sender.username !== list.dataset.me && document.visibilityState === "visible") markRead(m.id);
  }

  function csrf() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function api(path, payload) {
    return fetch(`/api/v1${path}`, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
      body: JSON.stringify(payload || {}),
    });
  }

  function markRead(messageId) {
    api(`/conversations/${conversationId}/read`, {message_id: messageId}).catch(() => {});
  }

  function showReceipt(r) {
    const out = document.getElementById("read-receipt");
    if (!out || r.conversation_id !== conversationId || r.username === list.dataset.me) return;
    const mine = list.querySelectorAll(".message.mine");
    const last = mine.length ? Number(mine[mine.length - 1].dataset.messageId) : 0;
    if (last && r.last_read_id >= last) out.textContent = `${out.dataset.seen} · @${r.username}`;
  }

  if (form && list) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = document.getElementById("message-text");
      const error = document.getElementById("message-error");
      const text = input.value;
      if (!text.trim()) return;
      form.querySelector("button").disabled = true;
      try {
        const response = await api(`/conversations/${conversationId}/messages`, {text});
        const data = await response.json();
        if (response.ok) {
          input.value = "";
          error.textContent = "";
          appendMessage(data);
        } else {
          error.textContent = data.detail || "";
        }
      } catch (e) {
        error.textContent = String(e);
      } finally {
        form.querySelector("button").disabled = false;
      }
    });
  }

  let delay = 1000;
  function connect() {
    let socket;
    try {
      socket = new WebSocket(wsUrl());
    } catch (e) {
      return retry();
    }
    socket.addEventListener("open", () => { delay = 1000; body.dataset.live = "open"; });
    socket.addEventListener("message", (event) => {
      let data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data.type === "notifications") setBadge(data.count);
      else if (data.type === "message") appendMessage(data.message);
      else if (data.type === "receipt") showReceipt(data.receipt);
    });
    socket.addEventListener("close", (event) => {
      body.dataset.live = "closed";
      if (event.code === 4401) return; // logged out: nothing to wait for
      retry();
    });
  }
  function retry() {
    const wait = delay * (0.75 + Math.random() / 2);
    delay = Math.min(delay * 2, 30000);
    setTimeout(connect, wait);
  }
  connect();
})();
