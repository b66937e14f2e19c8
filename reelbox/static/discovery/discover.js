// Suggestions as you type in the Discover search box: hashtags, people and sounds starting with the text,
// or a spelling correction; arrow keys move, Enter opens, Escape closes. Strings come from the page.
import { apiJSON } from "/static/reelbox/api.js";

const input = document.getElementById("search-q");
const list = document.getElementById("search-suggest");
const t = JSON.parse(document.getElementById("discover-i18n").textContent || "{}");
let timer = null, seq = 0, active = -1;

function option(href, label, kind) {
  const li = document.createElement("li");
  li.setAttribute("role", "option");
  li.className = "suggestion " + kind;
  const a = document.createElement("a");
  a.href = href;
  a.textContent = label;
  a.dir = "auto";
  li.append(a);
  return li;
}

function close() {
  list.hidden = true; active = -1;
  input.setAttribute("aria-expanded", "false");
}

function render(data) {
  const items = [];
  for (const h of data.hashtags) items.push(option(h.url, "#" + h.display, "hashtag"));
  for (const u of data.users) items.push(option("/@" + encodeURIComponent(u.username), `${u.display_name} @${u.username}`, "user"));
  for (const s of data.sounds) items.push(option("/discover?q=" + encodeURIComponent(s.title), "♪ " + s.title, "sound"));
  if (data.corrected) items.push(option("/discover?q=" + encodeURIComponent(data.corrected), `${t.didYouMean} ${data.corrected}`, "corrected"));
  // The same suggestions again (a slower answer to an earlier keystroke): keep the viewer's selection.
  const same = items.length === list.children.length &&
    items.every((li, i) => li.textContent === list.children[i].textContent && !list.hidden);
  if (!same) { list.replaceChildren(...items); active = -1; }
  list.hidden = items.length === 0;
  input.setAttribute("aria-expanded", String(!list.hidden));
}

async function update() {
  const mine = ++seq;
  try {
    const data = await apiJSON("/api/v1/search/suggest?q=" + encodeURIComponent(input.value.slice(0, 200)));
    if (mine === seq && document.activeElement === input) render(data);
  } catch { /* suggestions are a nicety: a failed or rate-limited request shows none */ }
}

input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 120); });
input.addEventListener("focus", () => { if (!input.value) update(); });
input.addEventListener("keydown", (e) => {
  const options = [...list.querySelectorAll("li")];
  if (e.key === "Escape") { close(); return; }
  if (!options.length || list.hidden) return;
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    e.preventDefault();
    active = (active + (e.key === "ArrowDown" ? 1 : -1) + options.length) % options.length;
    options.forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
  } else if (e.key === "Enter" && active >= 0) {
    e.preventDefault();
    window.location.href = options[active].querySelector("a").href;
  }
});
document.addEventListener("click", (e) => { if (!list.contains(e.target) && e.target !== input) close(); });
