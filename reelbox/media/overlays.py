"""Overlay pictures for the editor: text rendered to RGBA with Pillow, stickers normalised.

Text is laid out by Pillow with libraqm (HarfBuzz shaping + FriBiDi ordering),
so Arabic is joined and right-to-left and CJK wraps between characters; the
picture is then overlaid by ffmpeg. Rendering text here rather than with
ffmpeg's drawtext keeps the result the same whichever ffmpeg is installed
(Debian's 5.1 drawtext has no HarfBuzz shaping) and lets us wrap long text.
Raqm needs libfribidi at run time (Debian: libfribidi0); without it Pillow
falls back to unshaped left-to-right text, which ``shaping_available()`` reports.

Sizes are pixels of the output frame.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

from reelbox.media import fonts

STICKER_FORMATS = frozenset({"PNG", "WEBP", "GIF", "JPEG"})
MAX_STICKER_SIDE = 4096
LINE_SPACING = 1.2
# Text may use at most this share of the frame width before wrapping.
WRAP_WIDTH = 0.9


class StickerError(ValueError):
    """A sticker file that is not a usable picture."""


@functools.cache
def shaping_available() -> bool:
    return bool(features.check_feature("raqm"))


@functools.cache
def _font(face: fonts.Face, size: int, basic: bool) -> ImageFont.FreeTypeFont:
    layout = ImageFont.Layout.BASIC if basic or not shaping_available() else ImageFont.Layout.RAQM
    font = ImageFont.truetype(str(face.path), size, index=face.index, layout_engine=layout)
    if face.variation:
        try:
            font.set_variation_by_name(face.variation)
        except (OSError, ValueError):
            pass  # a static font, or FreeType without variation support: the default instance
    return font


def _direction(text: str) -> str:
    """"rtl" or "ltr": the direction of the first strongly directional character (Unicode bidi rule P2)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def _run_direction(chunk: str) -> str | None:
    kinds = {unicodedata.bidirectional(ch) for ch in chunk}
    if kinds & {"R", "AL"}:
        return "rtl"
    return "ltr" if "L" in kinds else None


def _visual(runs: list[tuple[str, fonts.Face]], direction: str) -> list[tuple[str, fonts.Face]]:
    """Font runs in drawing (left to right) order: the bidi algorithm at the level of runs.

    Inside a run the shaper orders characters itself (every run is drawn with the paragraph's
    direction); across runs, runs of the other direction are reversed as a group, and in a
    right-to-left paragraph the whole line runs from the right. A run without strong characters
    (emoji, digits) takes its neighbours' direction when both agree, else the paragraph's.
    """
    dirs = [_run_direction(chunk) for chunk, _ in runs]
    for i, d in enumerate(dirs):
        if d is None:
            before = next((x for x in reversed(dirs[:i]) if x), direction)
            after = next((x for x in dirs[i + 1:] if x), direction)
            dirs[i] = before if before == after else direction
    groups: list[tuple[str, list]] = []
    for run, d in zip(runs, dirs):
        if groups and groups[-1][0] == d:
            groups[-1][1].append(run)
        else:
            groups.append((d, [run]))
    ordered = [group if d == "ltr" else group[::-1] for d, group in groups]
    if direction == "rtl":
        ordered = ordered[::-1]
    return [run for group in ordered for run in group]


class _Line:
    """One line of text as pieces to draw left to right: (text, font, direction for the shaper)."""

    def __init__(self, text: str, direction: str, size: int, basic: bool):
        # Words and the spaces between them are separate pieces so that spaces take the direction
        # of their neighbours (Arabic letters join within words only, so nothing is lost).
        # Spaces are measured in the main font: an emoji font's space is as wide as an emoji.
        latin = fonts.order()[0]
        runs = [(piece, latin if piece.isspace() else face)
                for chunk, face in fonts.runs(text) for piece in re.findall(r"\s+|\S+", chunk)]
        shaped = not basic and shaping_available()
        self.pieces = []
        for chunk, face in _visual(runs, direction):
            own = _run_direction(chunk)
            mixed = own == "rtl" and any(unicodedata.bidirectional(ch) == "L" for ch in chunk)
            self.pieces.append((chunk, _font(face, size, basic), (direction if mixed else own or direction)
                                if shaped else None))
        self.widths = [font.getlength(chunk, direction=d) for chunk, font, d in self.pieces]
        self.width = sum(self.widths)


_CJK_CHARS = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_TOKEN = re.compile(rf"[{_CJK_CHARS}]|[^\s{_CJK_CHARS}]+\s*|\s+")


def _tokens(line: str) -> list[str]:
    # Words with their trailing space; every CJK character is a token of its own since
    # those scripts break between characters.
    return _TOKEN.findall(line)


def wrap(text: str, max_width: float, size: int, *, basic: bool = False) -> list[_Line]:
    """``text`` broken into lines no wider than ``max_width`` px (a single long word may be wider)."""
    lines: list[_Line] = []
    for paragraph in text.split("\n"):
        direction = _direction(paragraph)
        current = ""
        for token in _tokens(paragraph):
            candidate = current + token
            if current.strip() and _Line(candidate.rstrip(), direction, size, basic).width > max_width:
                lines.append(_Line(current.rstrip(), direction, size, basic))
                current = token.lstrip()
            else:
                current = candidate
        lines.append(_Line(current.rstrip(), direction, size, basic))
    return lines


def render_text(text: str, *, size: int, color: str, frame_width: int, basic: bool = False) -> Image.Image:
    """``text`` as an RGBA picture: ``size`` px font, ``color`` "#rrggbb", black outline, centred lines.

    Each character is set in the first bundled font that has it (``fonts.runs``), so one text may mix
    scripts and emoji. ``basic`` forces Pillow's unshaped layout (for tests to compare against).
    """
    size = max(1, int(size))
    stroke = max(1, round(size * 0.08))
    lines = wrap(text, frame_width * WRAP_WIDTH, size, basic=basic)
    metrics = [font.getmetrics() for line in lines for _, font, _ in line.pieces] or [(size, size // 4)]
    ascent = max(a for a, _ in metrics)
    descent = max(d for _, d in metrics)
    line_h = round((ascent + descent) * LINE_SPACING)
    width = int(max((line.width for line in lines), default=1) + 2 * stroke + 2)
    height = int(line_h * (len(lines) - 1) + ascent + descent + 2 * stroke + 2)
    image = Image.new("RGBA", (max(width, 1), max(height, 1)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        x = (width - line.width) / 2
        y = stroke + 1 + i * line_h + ascent
        for (chunk, font, direction), run_width in zip(line.pieces, line.widths):
            if not chunk.isspace():
                draw.text((x, y), chunk, font=font, fill=color, stroke_width=stroke, stroke_fill="#000000",
                          anchor="ls", direction=direction)
            x += run_width
    if image.width > frame_width:
        # One unbreakable word wider than the frame: shrink rather than crop.
        ratio = frame_width * WRAP_WIDTH / image.width
        image = image.resize((max(1, int(image.width * ratio)), max(1, int(image.height * ratio))), Image.LANCZOS)
    return image


def load_sticker(path: Path, width: int) -> Image.Image:
    """The sticker at ``path`` as RGBA, ``width`` px wide, aspect kept; StickerError if unusable."""
    try:
        with Image.open(path) as source:
            if source.format not in STICKER_FORMATS:
                raise StickerError(f"unsupported sticker format {source.format!r}")
            if max(source.size) > MAX_STICKER_SIDE or min(source.size) < 1:
                raise StickerError(f"sticker size {source.size} out of range")
            source.seek(0)  # first frame of an animated GIF/WebP
            image = source.convert("RGBA")
    except (OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise StickerError(f"unreadable sticker: {exc}") from None
    height = max(1, round(image.height * width / image.width))
    return image.resize((max(1, int(width)), height), Image.LANCZOS)


def save_png(image: Image.Image, path: Path) -> Path:
    # Fast compression: these files live for one render.
    image.save(path, format="PNG", compress_level=1)
    return path
