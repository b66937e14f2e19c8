// Follow, mute and block buttons on someone else's profile page.
import { apiJSON } from "./api.js";

const box = document.getElementById("profile-actions");
const t = box.dataset;
const base = "/api/v1/users/" + encodeURIComponent(t.username);
const followButton = box.querySelector(".follow");
const muteButton = box.querySelector(".mute");
const blockButton = box.querySelector(".block");
const followers = document.querySelector(".follower-count");

function showFollow(status) {
  followButton.dataset.state = status || "";
  followButton.setAttribute("aria-pressed", String(!!status));
  followButton.textContent = status === "accepted" ? t.i18nFollowing : status === "pending" ? t.i18nRequested : t.i18nFollow;
}

function showRelation(rel) {
  muteButton.setAttribute("aria-pressed", String(rel.muted));
  muteButton.textContent = rel.muted ? t.i18nUnmute : t.i18nMute;
  blockButton.setAttribute("aria-pressed", String(rel.blocked));
  blockButton.textContent = rel.blocked ? t.i18nUnblock : t.i18nBlock;
  followButton.hidden = rel.blocked;
}

async function run(button, action) {
  button.disabled = true;
  try { await action(); }
  catch (err) { alert(err.message); }
  finally { button.disabled = false; }
}

followButton.addEventListener("click", () => run(followButton, async () => {
  const body = await apiJSON(base + "/follow", { method: followButton.dataset.state ? "DELETE" : "POST" });
  showFollow(body.status);
  if (followers) {
    try { followers.textContent = new Intl.NumberFormat(document.documentElement.lang || undefined, { notation: "compact" }).format(body.follower_count); }
    catch { followers.textContent = body.follower_count; }
  }
}));

muteButton.addEventListener("click", () => run(muteButton, async () => {
  const on = muteButton.getAttribute("aria-pressed") !== "true";
  showRelation(await apiJSON(base + "/mute", { method: on ? "POST" : "DELETE" }));
}));

blockButton.addEventListener("click", () => run(blockButton, async () => {
  const on = blockButton.getAttribute("aria-pressed") !== "true";
  showRelation(await apiJSON(base + "/block", { method: on ? "POST" : "DELETE" }));
  // The profile of a blocked account is gone for both sides; unblocking lives in privacy settings.
  if (on) location.href = t.blockedUrl;
}));

showFollow(followButton.dataset.state);
showRelation({ muted: muteButton.getAttribute("aria-pressed") === "true",
               blocked: blockButton.getAttribute("aria-pressed") === "true" });
