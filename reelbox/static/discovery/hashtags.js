// Captions with their #hashtags as links to tag pages. Text stays text (no HTML parsing): each piece is a
// text node or an <a>. The rule matches reelbox/discovery/hashtags.py: "#" then letters, marks, digits,
// underscores or joiners, holding a letter, not glued to a preceding word character; the link uses the
// server's normalised form (NFKC + casefold, approximated by toLowerCase in the URL; the server folds again).
const TAG = /(^|[^\p{L}\p{M}\p{N}_&])[#＃]([\p{L}\p{M}\p{N}_\u200c\u200d]{1,100})(?![\p{L}\p{M}\p{N}_])/gu;

export function captionNodes(text) {
  const out = [];
  let last = 0;
  for (const m of (text || "").matchAll(TAG)) {
    const word = m[2];
    if (!/\p{L}/u.test(word)) continue;
    const start = m.index + m[1].length;
    if (start > last) out.push(document.createTextNode(text.slice(last, start)));
    const a = document.createElement("a");
    a.className = "hashtag";
    a.href = "/tag/" + encodeURIComponent(word.normalize("NFKC").toLowerCase());
    a.textContent = "#" + word;
    out.push(a);
    last = start + 1 + word.length;
  }
  if (last < (text || "").length) out.push(document.createTextNode(text.slice(last)));
  return out;
}

export function renderCaption(el, text) {
  el.replaceChildren(...captionNodes(text));
}
