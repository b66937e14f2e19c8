// Likes, bookmarks, shares and the comment sheet on feed items and the video page.
// Comment text is user input: it only ever reaches the page as text nodes, never as HTML.
import { apiJSON } from "./api.js";

const feed = document.getElementById("feed");
const sheet = document.getElementById("comment-sheet");
const toastEl = document.getElementById("toast");
const viewer = feed ? feed.dataset.viewer : "";
const entries = new Map();  // video id -> { el, video, liked, bookmarked, isAuthor }
const i18n = sheet ? sheet.dataset : {};
const enc = encodeURIComponent;
const MENTION = /@([A-Za-z0-9_.]{3,30})/g;

function formatCount(n) {
  try { return new Intl.NumberFormat(document.documentElement.lang || undefined, { notation: "compact" }).format(n || 0); }
  catch { return String(n || 0); }
}

function needLogin() {
  if (viewer) return false;
  location.href = feed.dataset.loginUrl + "?next=" + enc(location.pathname);
  return true;
}

let toastTimer = null;
export function toast(text) {
  if (!toastEl) return;
  toastEl.textContent = text;
  toastEl.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toastEl.hidden = true; }, 2500);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render(entry) {
  const q = (s) => entry.el.querySelector(s);
  const like = q(".act.like"), bookmark = q(".act.bookmark");
  like.setAttribute("aria-pressed", String(entry.liked));
  like.querySelector(".count").textContent = formatCount(entry.video.like_count);
  bookmark.setAttribute("aria-pressed", String(entry.bookmarked));
  q(".act.comment .count").textContent = formatCount(entry.video.comment_count);
  q(".act.share .count").textContent = formatCount(entry.video.share_count);
  if (sheet && !sheet.hidden && sheetState.entry === entry) {
    sheet.querySelector(".sheet-head .count").textContent = formatCount(entry.video.comment_count);
  }
}

function applyState(entry, state) {
  entry.liked = !!state.liked;
  entry.bookmarked = !!state.bookmarked;
  entry.isAuthor = !!state.is_author;
  render(entry);
}

export function attachSocial(itemEl, video) {
  const actions = itemEl.querySelector(".actions");
  if (!actions) return;
  const entry = { el: itemEl, video, liked: false, bookmarked: false, isAuthor: false };
  entries.set(video.id, entry);
  actions.querySelector(".like").addEventListener("click", () => toggle(entry, "like"));
  actions.querySelector(".bookmark").addEventListener("click", () => toggle(entry, "bookmark"));
  actions.querySelector(".share").addEventListener("click", () => share(entry));
  actions.querySelector(".comment").addEventListener("click", () => openSheet(entry));
  if (video.viewer) applyState(entry, video.viewer);
  else render(entry);
}

// One request per page of the feed: the feed's JSON is shared by every viewer and carries no one's state.
export async function loadStates(videos) {
  if (!viewer) return;
  const ids = videos.map((v) => v.id).filter((id) => entries.has(id) && !entries.get(id).video.viewer);
  if (!ids.length) return;
  try {
    const body = await apiJSON("/api/v1/me/video-states?ids=" + ids.map(enc).join(","));
    for (const [id, state] of Object.entries(body.states)) {
      const entry = entries.get(id);
      if (entry) applyState(entry, state);
    }
  } catch (err) { console.warn("video states failed", err); }
}

async function toggle(entry, what) {
  if (needLogin()) return;
  const key = what === "like" ? "liked" : "bookmarked";
  const on = !entry[key];
  entry[key] = on;  // optimistic; corrected from the answer
  if (what === "like") entry.video.like_count += on ? 1 : -1;
  render(entry);
  try {
    const body = await apiJSON(`/api/v1/videos/${enc(entry.video.id)}/${what}`, { method: on ? "POST" : "DELETE" });
    entry[key] = body[key];
    if (what === "like") entry.video.like_count = body.like_count;
  } catch (err) {
    entry[key] = !on;
    if (what === "like") entry.video.like_count += on ? -1 : 1;
    toast(err.message);
  }
  render(entry);
}

function share(entry) {
  if (!viewer || !shareSheet) return copyLink(entry);
  openShareSheet(entry);
}

async function copyLink(entry) {
  try {
    const body = await apiJSON(`/api/v1/videos/${enc(entry.video.id)}/share`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ channel: "link" }),
    });
    entry.video.share_count = body.share_count;
    render(entry);
    try { await navigator.clipboard.writeText(body.url); toast(i18n.i18nCopied); }
    catch { toast(body.url); }  // no clipboard (plain http): show the link to copy by hand
  } catch (err) { toast(err.message); }
}

// The share sheet: copy the link, or send the video into a direct message -----------------------

const shareSheet = document.getElementById("share-sheet");
const shareI18n = shareSheet ? shareSheet.dataset : {};
const shareState = { entry: null, timer: null, query: "" };

function conversationName(c) {
  if (c.title) return c.title;
  return c.members.filter((m) => m.username !== viewer).map((m) => m.display_name).join(", ");
}

function targetButton(label, detail, onSend) {
  const li = el("li", "share-target");
  const button = el("button", "send-to");
  button.type = "button";
  button.append(el("span", "name", label));
  if (detail) button.append(" ", el("span", "handle", detail));
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await onSend();
      button.classList.add("sent");
      button.append(" ", el("span", "state", shareI18n.i18nSent));
    } catch (err) { button.disabled = false; toast(err.message); }
  });
  li.append(button);
  return li;
}

async function sendInto(entry, conversationId) {
  const note = shareSheet.querySelector("#share-note").value;
  const body = await apiJSON(`/api/v1/videos/${enc(entry.video.id)}/share`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ channel: "message", conversation_id: conversationId, text: note }),
  });
  entry.video.share_count = body.share_count;
  render(entry);
}

async function sendToPerson(entry, username) {
  const c = await apiJSON("/api/v1/conversations", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ members: [username] }),
  });
  await sendInto(entry, c.id);
}

function showTargets(items, empty) {
  const targets = shareSheet.querySelector(".share-targets");
  targets.replaceChildren(...items);
  if (!items.length) targets.append(el("li", "empty", empty));
}

async function loadRecent() {
  const entry = shareState.entry;
  try {
    const body = await apiJSON("/api/v1/conversations?limit=8");
    if (shareState.entry !== entry || shareState.query) return;
    showTargets(body.items.map((c) => targetButton(conversationName(c), c.is_group ? `(${c.members.length})` : "",
      () => sendInto(entry, c.id))), shareI18n.i18nNoConversations);
  } catch (err) { toast(err.message); }
}

async function searchPeople(q) {
  const entry = shareState.entry;
  try {
    const body = await apiJSON("/api/v1/users?q=" + enc(q));
    if (shareState.entry !== entry || shareState.query !== q) return;
    showTargets(body.items.map((u) => targetButton(u.display_name, "@" + u.username,
      () => sendToPerson(entry, u.username))), shareI18n.i18nNobody);
  } catch (err) { toast(err.message); }
}

function openShareSheet(entry) {
  shareState.entry = entry;
  shareState.query = "";
  shareSheet.querySelector("#share-search").value = "";
  shareSheet.querySelector("#share-note").value = "";
  shareSheet.querySelector(".share-targets").replaceChildren();
  shareSheet.hidden = false;
  loadRecent();
}

function closeShareSheet() {
  shareSheet.hidden = true;
  shareState.entry = null;
}

if (shareSheet) {
  shareSheet.querySelector(".close").addEventListener("click", closeShareSheet);
  shareSheet.addEventListener("click", (e) => { if (e.target === shareSheet) closeShareSheet(); });
  addEventListener("keydown", (e) => { if (e.key === "Escape" && !shareSheet.hidden) closeShareSheet(); });
  shareSheet.querySelector(".copy-link").addEventListener("click", () => {
    if (shareState.entry) copyLink(shareState.entry);
  });
  shareSheet.querySelector("#share-search").addEventListener("input", (e) => {
    clearTimeout(shareState.timer);
    const q = e.target.value.trim().replace(/^@/, "");
    shareState.query = q;
    shareState.timer = setTimeout(() => (q ? searchPeople(q) : loadRecent()), 250);
  });
}

// The comment sheet ------------------------------------------------------------------------

const sheetState = { entry: null, sort: "top", cursor: null, replyTo: null, loading: false };

function appendText(node, text, mentions) {
  // Link only the @names the server resolved to real accounts; everything else stays text.
  const known = new Set((mentions || []).map((m) => m.toLowerCase()));
  let last = 0;
  for (const match of text.matchAll(MENTION)) {
    const name = match[1].replace(/\.+$/, "");
    if (!known.has(name.toLowerCase())) continue;
    node.append(text.slice(last, match.index));
    const link = el("a", "mention", "@" + name);
    link.href = "/@" + enc(name);
    node.append(link);
    last = match.index + 1 + name.length;
  }
  node.append(text.slice(last));
}

function commentEl(c) {
  const li = el("li", "comment");
  li.dataset.commentId = c.id;
  const head = el("p", "comment-head");
  const author = el("a", "comment-author", c.author.display_name);
  author.href = "/@" + enc(c.author.username);
  head.append(author);
  if (c.is_pinned) head.append(" ", el("span", "pinned", i18n.i18nPinned));
  const text = el("p", "comment-text");
  text.dir = "auto";
  appendText(text, c.text, c.mentions);
  const tools = el("p", "comment-tools");
  const like = el("button", "comment-like");
  like.type = "button";
  like.setAttribute("aria-pressed", String(!!(c.viewer && c.viewer.liked)));
  like.setAttribute("aria-label", i18n.i18nLike);
  like.append(el("span", "icon", "\u2665"), " ", el("span", "count", formatCount(c.like_count)));
  like.addEventListener("click", () => likeComment(c, like));
  tools.append(like);
  const reply = el("button", "comment-reply", i18n.i18nReply);
  reply.type = "button";
  reply.addEventListener("click", () => startReply(c));
  tools.append(reply);
  const isAuthor = sheetState.entry && sheetState.entry.isAuthor;
  if (isAuthor && !c.parent_id) {
    const pin = el("button", "comment-pin", c.is_pinned ? i18n.i18nUnpin : i18n.i18nPin);
    pin.type = "button";
    pin.addEventListener("click", () => pinComment(c));
    tools.append(pin);
  }
  if (c.viewer && c.viewer.can_delete) {
    const del = el("button", "comment-delete", i18n.i18nDelete);
    del.type = "button";
    del.addEventListener("click", () => deleteComment(c, li));
    tools.append(del);
  }
  li.append(head, text, tools);
  if (!c.parent_id) {
    const replies = el("ol", "replies");
    li.append(replies);
    if (c.reply_count) {
      const label = c.reply_count === 1 ? i18n.i18nRepliesOne
        : i18n.i18nRepliesMany.replace("{count}", formatCount(c.reply_count));
      const more = el("button", "show-replies", label);
      more.type = "button";
      more.addEventListener("click", () => loadReplies(c, replies, more));
      li.append(more);
    }
  }
  return li;
}

async function loadReplies(c, list, button, cursor = null) {
  button.disabled = true;
  try {
    const body = await apiJSON(`/api/v1/comments/${c.id}/replies` + (cursor ? "?cursor=" + enc(cursor) : ""));
    for (const r of body.items) {
      if (!list.querySelector(`[data-comment-id="${r.id}"]`)) list.append(commentEl(r));
    }
    if (body.next_cursor) {
      button.disabled = false;
      button.textContent = i18n.i18nMore;
      button.onclick = () => loadReplies(c, list, button, body.next_cursor);
    } else button.remove();
  } catch (err) { button.disabled = false; toast(err.message); }
}

const list = sheet && sheet.querySelector(".comments");
const form = sheet && sheet.querySelector(".comment-form");
const moreButton = sheet && el("button", "more-comments", i18n.i18nMore);

async function loadComments(reset) {
  const entry = sheetState.entry;
  if (!entry || sheetState.loading) return;
  if (reset) { list.replaceChildren(); sheetState.cursor = null; }
  sheetState.loading = true;
  moreButton.remove();
  try {
    const url = `/api/v1/videos/${enc(entry.video.id)}/comments?sort=${sheetState.sort}`
      + (sheetState.cursor ? "&cursor=" + enc(sheetState.cursor) : "");
    const body = await apiJSON(url);
    if (sheetState.entry !== entry) return;
    for (const c of body.items) list.append(commentEl(c));
    sheetState.cursor = body.next_cursor;
    if (!list.children.length) list.append(el("li", "empty", i18n.i18nEmpty));
    if (sheetState.cursor) list.after(moreButton);
  } catch (err) { toast(err.message); }
  finally { sheetState.loading = false; }
}

function openSheet(entry) {
  sheetState.entry = entry;
  sheetState.replyTo = null;
  sheet.hidden = false;
  form.hidden = !entry.video.comments_enabled && !entry.isAuthor;
  cancelReply();
  render(entry);
  loadComments(true);
}

function closeSheet() {
  sheet.hidden = true;
  sheetState.entry = null;
}

function startReply(c) {
  if (needLogin()) return;
  sheetState.replyTo = c;
  const note = form.querySelector(".replying");
  note.querySelector(".to").textContent = `${i18n.i18nReplying} @${c.author.username}`;
  note.hidden = false;
  const textarea = form.querySelector("textarea");
  if (!textarea.value.includes("@" + c.author.username)) textarea.value = `@${c.author.username} ` + textarea.value;
  textarea.focus();
}

function cancelReply() {
  sheetState.replyTo = null;
  form.querySelector(".replying").hidden = true;
}

function bumpCount(delta) {
  const entry = sheetState.entry;
  entry.video.comment_count = Math.max(0, entry.video.comment_count + delta);
  render(entry);
}

async function submitComment(event) {
  event.preventDefault();
  if (needLogin()) return;
  const textarea = form.querySelector("textarea");
  const error = form.querySelector(".field-error");
  const entry = sheetState.entry;
  const reply = sheetState.replyTo;
  const payload = { text: textarea.value };
  if (reply) payload.parent_id = reply.parent_id || reply.id;
  form.querySelector(".send").disabled = true;
  try {
    const c = await apiJSON(`/api/v1/videos/${enc(entry.video.id)}/comments`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload),
    });
    error.hidden = true;
    textarea.value = "";
    list.querySelector(".empty")?.remove();
    if (c.parent_id) {
      const parent = list.querySelector(`[data-comment-id="${c.parent_id}"] > .replies`);
      if (parent) parent.append(commentEl(c));
    } else list.prepend(commentEl(c));
    cancelReply();
    bumpCount(1);
  } catch (err) {
    error.textContent = err.message;
    error.hidden = false;
  } finally { form.querySelector(".send").disabled = false; }
}

async function likeComment(c, button) {
  if (needLogin()) return;
  const on = button.getAttribute("aria-pressed") !== "true";
  try {
    const body = await apiJSON(`/api/v1/comments/${c.id}/like`, { method: on ? "POST" : "DELETE" });
    button.setAttribute("aria-pressed", String(body.liked));
    button.querySelector(".count").textContent = formatCount(body.like_count);
  } catch (err) { toast(err.message); }
}

async function deleteComment(c, li) {
  if (!confirm(i18n.i18nConfirmDelete)) return;
  try {
    await apiJSON(`/api/v1/comments/${c.id}`, { method: "DELETE" });
    const replies = li.querySelectorAll(".replies > li").length;
    li.remove();
    bumpCount(-(1 + Math.max(replies, c.parent_id ? 0 : c.reply_count || 0)));
  } catch (err) { toast(err.message); }
}

async function pinComment(c) {
  try {
    await apiJSON(`/api/v1/comments/${c.id}/pin`, { method: c.is_pinned ? "DELETE" : "POST" });
    loadComments(true);
  } catch (err) { toast(err.message); }
}

if (sheet) {
  sheet.querySelector(".close").addEventListener("click", closeSheet);
  sheet.addEventListener("click", (e) => { if (e.target === sheet) closeSheet(); });
  addEventListener("keydown", (e) => { if (e.key === "Escape" && !sheet.hidden) closeSheet(); });
  form.addEventListener("submit", submitComment);
  form.querySelector(".cancel-reply").addEventListener("click", cancelReply);
  moreButton.type = "button";
  moreButton.addEventListener("click", () => loadComments(false));
  for (const button of sheet.querySelectorAll(".sort")) {
    button.addEventListener("click", () => {
      sheetState.sort = button.dataset.sort;
      for (const b of sheet.querySelectorAll(".sort")) b.setAttribute("aria-pressed", String(b === button));
      loadComments(true);
    });
  }
}
