// SLA timers on the moderation queue: time left until each case is due, or how late it is.
function format(seconds) {
  const s = Math.abs(Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h ? `${h}h ${m}m` : `${m}m ${s % 60}s`;
}

function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll(".sla[data-due]")) {
    const left = (Date.parse(el.dataset.due) - now) / 1000;
    el.textContent = left >= 0 ? `${format(left)} ${el.dataset.left}` : `${el.dataset.late} ${format(left)}`;
    el.classList.toggle("late", left < 0);
  }
}

tick();
setInterval(tick, 1000);
