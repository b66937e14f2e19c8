"""Reading WebVTT and SRT caption files and writing WebVTT.

Files come from creators: every refusal names the line, so the creator can fix it in an editor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_CUES = 5000
MAX_CUE_CHARS = 1000
# Players and editors round differently; a cue may end this much past the video without being refused.
END_TOLERANCE_S = 0.5

_VTT_TIME = r"(?:(\d+):)?([0-5]\d):([0-5]\d)\.(\d{3})"
# SRT uses a comma; many tools write a dot, which players accept.
_SRT_TIME = r"(\d+):([0-5]\d):([0-5]\d)[,.](\d{3})"
_VTT_TIMING = re.compile(rf"^{_VTT_TIME}[ \t]+-->[ \t]+{_VTT_TIME}(?:[ \t]+.*)?$")
_TIMELIKE = re.compile(r"^\d+:\d[\d:.,\s>-]*$")
_SRT_TIMING = re.compile(rf"^{_SRT_TIME}[ \t]*-->[ \t]*{_SRT_TIME}(?:[ \t]+.*)?$")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str
    line: int = 0


class CaptionError(ValueError):
    def __init__(self, line: int, message: str):
        self.line = line
        self.message = message
        super().__init__(_("line %(line)d: %(message)s") % {"line": line, "message": message})


def _seconds(h, m, s, ms) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def _blocks(lines: list[str], first: int = 0):
    """(line number of the block's first line, its lines), split at blank lines."""
    block, start = [], 0
    for n, line in enumerate(lines[first:], start=first + 1):
        if line.strip():
            if not block:
                start = n
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def parse(text: str, *, duration: float | None = None) -> list[Cue]:
    """Cues of a WebVTT or SRT text, checked: timings well formed, in order, within ``duration``."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise CaptionError(1, _("this is not a text file."))
    lines = text.split("\n")
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise CaptionError(1, _("the file is empty."))
    if re.match(r"^WEBVTT(?:[ \t].*)?$", lines[first]):
        if first != 0:
            raise CaptionError(1, _("WEBVTT must be the first line."))
        cues = _parse_vtt(lines)
    elif re.match(r"^\d+$", lines[first].strip()) or _SRT_TIMING.match(lines[first].strip()):
        cues = _parse_srt(lines)
    else:
        raise CaptionError(first + 1, _("this is neither WebVTT (it must start with WEBVTT) nor SRT."))
    _check(cues, duration)
    return cues


def _parse_vtt(lines: list[str]) -> list[Cue]:
    cues = []
    for index, (start, block) in enumerate(_blocks(lines)):
        if index == 0:
            continue  # the WEBVTT header block
        head = block[0].strip()
        if head.startswith(("NOTE", "STYLE", "REGION")) and "-->" not in head:
            continue
        # An optional cue identifier comes first; a line of only digits and time punctuation is a broken timing.
        offset = 0 if "-->" in head or _TIMELIKE.match(head) else 1
        if offset >= len(block) or "-->" not in block[offset]:
            raise CaptionError(start + offset, _("expected a timing line like 00:00:01.000 --> 00:00:02.500."))
        match = _VTT_TIMING.match(block[offset].strip())
        if not match:
            raise CaptionError(start + offset, _("the timing is not valid; write 00:00:01.000 --> 00:00:02.500."))
        cues.append(_cue(match, block[offset + 1:], start + offset))
    return cues


def _parse_srt(lines: list[str]) -> list[Cue]:
    cues = []
    for start, block in _blocks(lines):
        offset = 1 if re.match(r"^\d+$", block[0].strip()) else 0
        if offset >= len(block):
            raise CaptionError(start, _("a number with no timing line after it."))
        match = _SRT_TIMING.match(block[offset].strip())
        if not match:
            raise CaptionError(start + offset, _("the timing is not valid; write 00:00:01,000 --> 00:00:02,500."))
        cues.append(_cue(match, block[offset + 1:], start + offset))
    return cues


def _cue(match: re.Match, payload: list[str], line: int) -> Cue:
    g = match.groups()
    start, end = _seconds(*g[:4]), _seconds(*g[4:])
    body = "\n".join(p.strip() for p in payload).strip()
    if not body:
        raise CaptionError(line, _("the cue has no text."))
    if len(body) > MAX_CUE_CHARS:
        raise CaptionError(line, _("the cue is longer than %(max)d characters.") % {"max": MAX_CUE_CHARS})
    # "-->" inside text would end the cue early for a WebVTT reader.
    return Cue(start, end, body.replace("-->", "->"), line)


def _check(cues: list[Cue], duration: float | None) -> None:
    if not cues:
        raise CaptionError(1, _("the file has no cues."))
    if len(cues) > MAX_CUES:
        raise CaptionError(cues[MAX_CUES].line, _("at most %(max)d cues.") % {"max": MAX_CUES})
    previous = None
    for cue in cues:
        if cue.end <= cue.start:
            raise CaptionError(cue.line, _("the cue ends before it starts."))
        if previous is not None and cue.start < previous.start:
            raise CaptionError(cue.line, _("cues are out of order: this one starts before the one above it."))
        if duration is not None and cue.end > duration + END_TOLERANCE_S:
            raise CaptionError(cue.line, _("the cue ends at %(end)s, after the end of the video (%(duration)s).")
                               % {"end": timestamp(cue.end), "duration": timestamp(duration)})
        previous = cue


def timestamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def render(cues: list[Cue]) -> str:
    parts = ["WEBVTT", ""]
    for cue in cues:
        parts += [f"{timestamp(cue.start)} --> {timestamp(cue.end)}", cue.text, ""]
    return "\n".join(parts)


def plain_text(cues: list[Cue]) -> str:
    """The words alone, tags dropped, for language detection and search."""
    return " ".join(re.sub(r"<[^>]*>", "", cue.text).replace("\n", " ") for cue in cues)
