// "Your interests": remove one, or reset them all; the feed honours it on its next page.
import { apiJSON } from "./api.js";

const root = document.getElementById("interests");
root.addEventListener("click", async (e) => {
  const button = e.target.closest("button.remove");
  if (!button) return;
  const row = button.closest("li");
  button.disabled = true;
  try {
    await apiJSON(`/api/v1/me/interests/${encodeURIComponent(row.dataset.kind)}/${encodeURIComponent(row.dataset.key)}`,
                  { method: "DELETE" });
    row.remove();
  } catch (err) { button.disabled = false; console.warn("remove interest failed", err); }
});
document.getElementById("reset-interests").addEventListener("click", async () => {
  try {
    await apiJSON("/api/v1/me/interests/reset", { method: "POST" });
    for (const list of root.querySelectorAll(".interest-list")) list.remove();
  } catch (err) { console.warn("reset failed", err); }
});
