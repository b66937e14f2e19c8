"""The editor: a declarative recipe (JSON) rendered in one ffmpeg pass.

Recipe (every key optional; ``validate`` fills the defaults and returns the
normalised form, which is what should be stored)::

    {"trim": {"start": 0.0, "end": <duration>},     # seconds of the SOURCE; end - start >= 0.5
     "speed": 1.0,                                   # 0.5 .. 2, pitch preserved (atempo)
     "look": "none",                                 # a key of LOOKS
     "texts": [{"text": "Hi", "x": 0.5, "y": 0.5,    # <= 10 texts, <= 300 characters each, any script
                "size": 0.06,                        # font size, fraction of the frame height, 0.02 .. 0.2
                "color": "#ffffff",                  # "#rrggbb"
                "start": 0.0, "end": <output>}],     # seconds of the OUTPUT timeline (after trim and speed)
     "stickers": [{"id": "star", "x": 0.5, "y": 0.5, # <= 10; id names a file passed to render(stickers=...)
                   "scale": 0.3,                     # width, fraction of the frame width, 0.05 .. 1
                   "start": 0.0, "end": <output>}],
     "sound": {"id": "123", "offset": 0.0, "volume": 1.0} | null,   # offset: seconds INTO the sound where
                                                                     # the output starts; volume 0 .. 2
     "original_volume": 1.0,                         # the source's own audio, 0 .. 2
     "cover": 0.0}                                   # output time of the cover frame

(x, y) is the centre of a text or sticker as a fraction of the frame's width
and height; the box is moved inside the frame where it would stick out.
Long text wraps at 90 % of the frame width.

Output: 9:16 portrait. ``height`` is the "p" number, i.e. the short side, as
in the transcode ladder: 720 gives 720x1280, preview 360x640. H.264 (x264
veryfast CRF 18 for the final render, which is transcoded again later;
ultrafast CRF 30 for previews), at most 30 fps, AAC 48 kHz stereo, faststart
MP4, written to a temporary name and renamed, so ``out`` is either complete or
absent. A source without sound and no chosen sound gets a silent track.

Bad recipes raise ``RecipeError`` (a ValueError) with ``field`` (e.g.
"trim.end", "texts[2].text"), a stable ``code`` and an English ``message``.
Bad media raise ``reelbox.media.errors.MediaRejected``; ffmpeg failures
``FFmpegError``/``FFmpegTimeout``. Sticker files that are not pictures raise
RecipeError on "stickers[i].id" with code "bad_sticker".
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reelbox.media import canvas, overlays
from reelbox.media.errors import gettext_noop
from reelbox.media.ffmpeg import run_ffmpeg, safe_input

MIN_SPEED, MAX_SPEED = 0.5, 2.0
MIN_LENGTH = 0.5  # seconds of output
MAX_TEXTS = 10
MAX_STICKERS = 10
MAX_TEXT_CHARS = 300
MIN_TEXT_SIZE, MAX_TEXT_SIZE = 0.02, 0.2
MIN_STICKER_SCALE, MAX_STICKER_SCALE = 0.05, 1.0
MAX_VOLUME = 2.0
MAX_FPS = 30.0
PROXY_HEIGHT = 360
# Clients round times; a trim end or text end this far past the end is clamped, not refused.
TIME_SLACK = 0.05
KEYS = frozenset({"trim", "speed", "look", "texts", "stickers", "sound", "original_volume", "cover"})
TEXT_KEYS = frozenset({"text", "x", "y", "size", "color", "start", "end"})
STICKER_KEYS = frozenset({"id", "x", "y", "scale", "start", "end"})
SOUND_KEYS = frozenset({"id", "offset", "volume"})
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


class RecipeError(ValueError):
    """A recipe value out of range; ``field`` names it the way the recipe JSON does.

    ``message`` is exactly a string marked with gettext_noop, so ``gettext(message)`` translates it;
    ``limits`` is the allowed (min, max) where one applies, for callers that want to show it.
    """

    def __init__(self, field: str, code: str, message: str, *, limits: tuple[float, float] | None = None):
        self.field = field
        self.code = code
        self.message = message
        self.limits = limits
        span = f" ({limits[0]:g}..{limits[1]:g})" if limits else ""
        super().__init__(f"{field}: {message}{span}")


# ---------------------------------------------------------------- looks
#
# Every look is one ``lutyuv``: a per-plane lookup table computed once, then one
# table read per pixel, on the YUV frames as decoded (no RGB round trip). Contrast,
# lift, gamma and brightness act on luma; saturation and tint on the chroma planes.


@dataclass(frozen=True)
class Look:
    label: str
    filter: str  # "" for none


def _luma(contrast: float = 1.0, brightness: float = 0.0, lift: float = 0.0, gamma: float = 1.0) -> str:
    n = "clip((val-16)/219,0,1)"
    if gamma != 1.0:
        n = f"pow({n},{1 / gamma:.4f})"
    n = f"(({n}-0.5)*{contrast}+0.5)"
    if lift:
        n = f"({lift}+(1-{lift})*{n})"
    return f"clip(16+219*({n}+{brightness}),minval,maxval)"


def _chroma(saturation: float = 1.0, shift: float = 0.0) -> str:
    return f"clip(128+(val-128)*{saturation}+{shift},minval,maxval)"


def _look(label: str, *, y: dict | None = None, sat: float = 1.0, u: float = 0.0, v: float = 0.0) -> Look:
    return Look(label, f"lutyuv=y='{_luma(**(y or {}))}':u='{_chroma(sat, u)}':v='{_chroma(sat, v)}'")


LOOKS: dict[str, Look] = {
    "none": Look(gettext_noop("Original"), ""),
    "vivid": _look(gettext_noop("Vivid"), y={"contrast": 1.1}, sat=1.45),
    "warm": _look(gettext_noop("Warm"), y={"brightness": 0.02}, sat=1.1, u=-10, v=9),
    "cool": _look(gettext_noop("Cool"), y={"contrast": 1.03}, sat=1.05, u=10, v=-7),
    "mono": _look(gettext_noop("Mono"), y={"contrast": 1.05}, sat=0.0),
    "noir": _look(gettext_noop("Noir"), y={"contrast": 1.5, "gamma": 0.9}, sat=0.0),
    "vintage": _look(gettext_noop("Vintage"), y={"contrast": 0.9, "lift": 0.08}, sat=0.7, u=-10, v=8),
    "fade": _look(gettext_noop("Fade"), y={"contrast": 0.85, "lift": 0.12}, sat=0.7),
    "dramatic": _look(gettext_noop("Dramatic"), y={"contrast": 1.35, "gamma": 0.9}, sat=0.85),
    "sepia": _look(gettext_noop("Sepia"), sat=0.1, u=-14, v=14),
    "bright": _look(gettext_noop("Bright"), y={"brightness": 0.05, "gamma": 1.15}, sat=1.1),
}


# ---------------------------------------------------------------- validation


def _number(value, field: str, lo: float, hi: float, *, default: float | None = None) -> float:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RecipeError(field, "type", gettext_noop("This value must be a number."))
    if not lo <= value <= hi:
        raise RecipeError(field, "out_of_range", gettext_noop("This value is out of range."), limits=(lo, hi))
    return float(value)


def _object(value, field: str, keys: frozenset[str]) -> dict:
    if not isinstance(value, dict):
        raise RecipeError(field, "type", gettext_noop("This value must be an object."))
    for key in value:
        if key not in keys:
            name = f"{field}.{key}" if field else str(key)
            raise RecipeError(name, "unknown_key", gettext_noop("Unknown setting."))
    return value


def _list(value, field: str, limit: int) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecipeError(field, "type", gettext_noop("This value must be a list."))
    if len(value) > limit:
        raise RecipeError(field, "too_many", gettext_noop("Too many items."), limits=(0, limit))
    return value


def _span(item: dict, field: str, length: float) -> tuple[float, float]:
    start = _number(item.get("start"), f"{field}.start", 0, length, default=0.0)
    end = _number(item.get("end"), f"{field}.end", 0, length + TIME_SLACK, default=length)
    end = min(end, length)
    if end <= start:
        raise RecipeError(f"{field}.end", "before_start", gettext_noop("The end must come after the start."))
    return start, end


def _id(value, field: str) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
        raise RecipeError(field, "required", gettext_noop("Choose an item."))
    value = str(value)
    if len(value) > 100:
        raise RecipeError(field, "too_long", gettext_noop("This value is too long."))
    return value


def validate(
    recipe: dict, *, duration: float, has_audio: bool = True, sound_duration: float | None = None
) -> dict:
    """The normalised recipe for a source of ``duration`` s; RecipeError naming the first bad field."""
    recipe = _object(recipe, "", KEYS)
    trim = _object(recipe.get("trim") if recipe.get("trim") is not None else {}, "trim", frozenset({"start", "end"}))
    start = _number(trim.get("start"), "trim.start", 0, duration, default=0.0)
    end = min(_number(trim.get("end"), "trim.end", 0, duration + TIME_SLACK, default=duration), duration)
    if end <= start:
        raise RecipeError("trim.end", "before_start", gettext_noop("The end must come after the start."))
    speed = _number(recipe.get("speed"), "speed", MIN_SPEED, MAX_SPEED, default=1.0)
    length = (end - start) / speed
    if length < MIN_LENGTH:
        raise RecipeError("trim.end", "too_short", gettext_noop("The video would be too short."))

    look = recipe.get("look") if recipe.get("look") is not None else "none"
    if not isinstance(look, str) or look not in LOOKS:
        raise RecipeError("look", "unknown_look", gettext_noop("Unknown filter."))

    texts = []
    for i, item in enumerate(_list(recipe.get("texts"), "texts", MAX_TEXTS)):
        field = f"texts[{i}]"
        item = _object(item, field, TEXT_KEYS)
        text = item.get("text")
        if not isinstance(text, str):
            raise RecipeError(f"{field}.text", "type", gettext_noop("This value must be text."))
        if not text.strip():
            raise RecipeError(f"{field}.text", "required", gettext_noop("The text is empty."))
        if len(text) > MAX_TEXT_CHARS:
            raise RecipeError(f"{field}.text", "too_long", gettext_noop("The text is too long."),
                              limits=(1, MAX_TEXT_CHARS))
        if any(ord(ch) < 32 and ch != "\n" for ch in text):
            raise RecipeError(f"{field}.text", "bad_character", gettext_noop("The text contains control characters."))
        color = item.get("color") if item.get("color") is not None else "#ffffff"
        if not isinstance(color, str) or not _COLOR.fullmatch(color):
            raise RecipeError(f"{field}.color", "bad_color", gettext_noop("Use a colour like #ff8800."))
        t0, t1 = _span(item, field, length)
        texts.append({
            "text": text,
            "x": _number(item.get("x"), f"{field}.x", 0, 1, default=0.5),
            "y": _number(item.get("y"), f"{field}.y", 0, 1, default=0.5),
            "size": _number(item.get("size"), f"{field}.size", MIN_TEXT_SIZE, MAX_TEXT_SIZE, default=0.06),
            "color": color.lower(), "start": t0, "end": t1,
        })

    stickers = []
    for i, item in enumerate(_list(recipe.get("stickers"), "stickers", MAX_STICKERS)):
        field = f"stickers[{i}]"
        item = _object(item, field, STICKER_KEYS)
        t0, t1 = _span(item, field, length)
        stickers.append({
            "id": _id(item.get("id"), f"{field}.id"),
            "x": _number(item.get("x"), f"{field}.x", 0, 1, default=0.5),
            "y": _number(item.get("y"), f"{field}.y", 0, 1, default=0.5),
            "scale": _number(item.get("scale"), f"{field}.scale", MIN_STICKER_SCALE, MAX_STICKER_SCALE, default=0.3),
            "start": t0, "end": t1,
        })

    sound = None
    if recipe.get("sound") is not None:
        item = _object(recipe["sound"], "sound", SOUND_KEYS)
        offset_max = max(0.0, sound_duration - TIME_SLACK) if sound_duration is not None else math.inf
        sound = {
            "id": _id(item.get("id"), "sound.id"),
            "offset": _number(item.get("offset"), "sound.offset", 0, offset_max, default=0.0),
            "volume": _number(item.get("volume"), "sound.volume", 0, MAX_VOLUME, default=1.0),
        }
    original_volume = _number(recipe.get("original_volume"), "original_volume", 0, MAX_VOLUME, default=1.0)
    cover = _number(recipe.get("cover"), "cover", 0, length + TIME_SLACK, default=0.0)
    return {
        "trim": {"start": start, "end": end}, "speed": speed, "look": look, "texts": texts,
        "stickers": stickers, "sound": sound, "original_volume": original_volume,
        "cover": min(cover, length),
    }


def output_duration(recipe: dict, duration: float) -> float:
    """Seconds of output a (validated or raw, in-range) recipe gives from a ``duration`` s source."""
    trim = recipe.get("trim") or {}
    start = float(trim.get("start") or 0.0)
    end = min(float(trim["end"]) if trim.get("end") is not None else duration, duration)
    return max(0.0, end - start) / float(recipe.get("speed") or 1.0)


# ---------------------------------------------------------------- the ffmpeg pass


frame_size = canvas.portrait


@dataclass(frozen=True)
class Placement:
    """An overlay picture's top-left corner in output pixels and its output-time window."""

    x: int
    y: int
    start: float
    end: float


def _place(image_size: tuple[int, int], frame: tuple[int, int], cx: float, cy: float) -> tuple[int, int]:
    (w, h), (fw, fh) = image_size, frame
    x = min(max(round(cx * fw - w / 2), 0), max(fw - w, 0))
    y = min(max(round(cy * fh - h / 2), 0), max(fh - h, 0))
    return x, y


def filter_graph(
    recipe: dict,
    *,
    duration: float,
    height: int,
    has_audio: bool = True,
    placements: list[Placement] | tuple = (),
    sound_input: int | None = None,
    preview: bool = False,
    fps: float = MAX_FPS,
    t0: float = 0.0,
    audio: bool = True,
) -> tuple[str, list[str]]:
    """The -filter_complex graph and the output labels to -map.

    Input 0 is the source, already trimmed by input options (-ss/-t); inputs
    1..len(placements) are the overlay pictures in order; ``sound_input`` is the
    sound's input (already cut from its offset). ``t0`` shifts the output
    timeline (the cover frame is rendered as if at its own time).
    """
    speed = recipe.get("speed", 1.0)
    width, frame_h = frame_size(height)
    chain = [f"setpts=(PTS-STARTPTS)/{speed:g}" + (f"+{t0:.4f}/TB" if t0 else ""),
             canvas.cover(width, frame_h, fps=fps, fast=preview)]
    look = LOOKS[recipe.get("look", "none")].filter
    if look:
        chain.append(look)
    parts = [f"[0:v:0]{','.join(chain)}[b0]"]
    last = "b0"
    for i, p in enumerate(placements, start=1):
        parts.append(f"[{last}][{i}:v]overlay=x={p.x}:y={p.y}:eof_action=repeat"
                     f":enable='between(t,{p.start:.3f},{p.end:.3f})'[b{i}]")
        last = f"b{i}"
    parts.append(f"[{last}]null[v]")
    labels = ["[v]"]
    if not audio:
        return ";".join(parts), labels

    fmt = canvas.AUDIO_FORMAT
    mix = []
    original_volume = recipe.get("original_volume", 1.0)
    if has_audio and original_volume > 0:
        tempo = f"atempo={speed:g}," if speed != 1 else ""
        parts.append(f"[0:a:0]{tempo}volume={original_volume:g},{fmt}[oa]")
        mix.append("[oa]")
    sound = recipe.get("sound")
    if sound_input is not None and sound and sound.get("volume", 1.0) > 0:
        parts.append(f"[{sound_input}:a]volume={sound['volume']:g},{fmt}[sa]")
        mix.append("[sa]")
    if len(mix) == 2:
        parts.append("[oa][sa]amix=inputs=2:duration=longest:normalize=0,apad[a]")
    elif mix:
        parts.append(f"{mix[0]}apad[a]")
    else:
        parts.append(f"{canvas.SILENCE}[a]")
    labels.append("[a]")
    return ";".join(parts), labels


def _probe(src: Path):
    from reelbox.media.probe import probe

    return probe(src)


def _prepare_overlays(
    recipe: dict, height: int, workdir: Path, stickers: dict[str, Path] | None
) -> tuple[list[Path], list[Placement]]:
    frame = frame_size(height)
    files: list[Path] = []
    placements: list[Placement] = []
    for i, text in enumerate(recipe["texts"]):
        image = overlays.render_text(text["text"], size=round(text["size"] * frame[1]), color=text["color"],
                                     frame_width=frame[0])
        files.append(overlays.save_png(image, workdir / f"text{i}.png"))
        placements.append(Placement(*_place(image.size, frame, text["x"], text["y"]), text["start"], text["end"]))
    for i, sticker in enumerate(recipe["stickers"]):
        path = (stickers or {}).get(sticker["id"])
        if path is None:
            raise RecipeError(f"stickers[{i}].id", "unknown_sticker", gettext_noop("Unknown sticker."))
        try:
            image = overlays.load_sticker(Path(path), max(2, round(sticker["scale"] * frame[0])))
        except overlays.StickerError:
            raise RecipeError(f"stickers[{i}].id", "bad_sticker", gettext_noop("This sticker cannot be used."))
        files.append(overlays.save_png(image, workdir / f"sticker{i}.png"))
        placements.append(Placement(*_place(image.size, frame, sticker["x"], sticker["y"]),
                                    sticker["start"], sticker["end"]))
    return files, placements


@dataclass(frozen=True)
class Plan:
    """Everything one render needs: the ffmpeg arguments and the output length."""

    args: list[str]
    length: float
    recipe: dict


def plan(
    src: Path, recipe: dict, out: Path, *, workdir: Path, height: int = 720, sound: Path | None = None,
    stickers: dict[str, Path] | None = None, preview: bool = False,
) -> Plan:
    """Validate ``recipe`` against ``src`` and build the ffmpeg arguments writing ``out``.

    Overlay pictures are written into ``workdir``, which must outlive the run.
    """
    from reelbox.media import audio as audio_mod

    info = _probe(Path(src))
    sound_duration = audio_mod.duration(sound) if sound is not None else None
    r = validate(recipe, duration=info.duration, has_audio=info.has_audio, sound_duration=sound_duration)
    if r["sound"] is not None and sound is None:
        raise RecipeError("sound.id", "unknown_sound", gettext_noop("Unknown sound."))
    length = output_duration(r, info.duration)
    files, placements = _prepare_overlays(r, height, workdir, stickers)
    start, end = r["trim"]["start"], r["trim"]["end"]
    args = ["-ss", f"{start:.3f}", "-t", f"{end - start:.3f}"]
    if preview:
        # Decoding the source is most of a preview's cost; skipping H.264's deblocking halves it.
        args += ["-skip_loop_filter", "all"]
    args += safe_input(src)
    for file in files:
        args += ["-i", str(file)]
    sound_input = None
    if r["sound"] is not None and sound is not None:
        sound_input = 1 + len(files)
        args += ["-ss", f"{r['sound']['offset']:.3f}", "-t", f"{length + 1:.3f}", *safe_input(sound)]
    fps = min(MAX_FPS, info.fps) if info.fps else MAX_FPS
    graph, labels = filter_graph(r, duration=info.duration, height=height, has_audio=info.has_audio,
                                 placements=placements, sound_input=sound_input, preview=preview, fps=fps)
    args += ["-filter_complex", graph]
    for label in labels:
        args += ["-map", label]
    gop = str(round(2 * fps))
    if preview:
        args += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "30", "-g", gop,
                 "-c:a", "aac", "-b:a", "64k"]
    else:
        args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-profile:v", "high", "-g", gop,
                 "-c:a", "aac", "-b:a", "160k"]
    args += ["-pix_fmt", "yuv420p", "-ar", "48000", "-ac", "2", "-t", f"{length:.3f}",
             "-movflags", "+faststart", "-f", "mp4", str(out)]
    return Plan(args, length, r)


def render(
    src: Path,
    recipe: dict,
    out: Path,
    *,
    height: int = 720,
    sound: Path | None = None,
    stickers: dict[str, Path] | None = None,
    preview: bool = False,
    timeout: float | None = None,
    on_progress: Callable[[float], None] | None = None,
    threads: int | None = None,
) -> None:
    """Render ``recipe`` applied to ``src`` into ``out`` (see the module docstring).

    ``on_progress`` receives the fraction done, 0..1. ``timeout`` defaults to
    60 s plus 10x the output length (previews: 30 s plus 2x).
    """
    with tempfile.TemporaryDirectory(prefix="reelbox-edit-") as tmp, canvas.partial_output(out) as partial:
        p = plan(Path(src), recipe, partial, workdir=Path(tmp), height=height, sound=sound, stickers=stickers,
                 preview=preview)
        if timeout is None:
            timeout = 30 + 2 * p.length if preview else 60 + 10 * p.length
        progress = None
        if on_progress is not None:
            progress = lambda seconds: on_progress(min(1.0, seconds / p.length))  # noqa: E731
        run_ffmpeg(p.args, timeout=timeout, threads=threads, on_progress=progress, duration=p.length)


def make_proxy(src: Path, out: Path, *, height: int = PROXY_HEIGHT, timeout: float | None = None) -> None:
    """A small, fast-to-decode copy of ``src`` for previews: short side ``height``, at most 30 fps.

    Same length, aspect, timeline and sound as ``src``, so a recipe previews the same on it (sizes in
    recipes are fractions). Decoding a phone's 1080p original costs more than two cores can do for
    "15 s of preview in 3 s"; make the proxy once per upload (or pass the 360p/480p rendition) and
    render previews from it.
    """
    info = _probe(Path(src))
    fps = min(MAX_FPS, info.fps) if info.fps else MAX_FPS
    short = min(height, info.short_side) // 2 * 2  # never upscale
    scale = f"scale={short}:-2" if info.is_portrait else f"scale=-2:{short}"
    args = [*safe_input(src), "-map", "0:v:0", "-map", "0:a:0?", "-vf", f"fps={fps:g},{scale},format=yuv420p",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "23", "-g", str(round(fps)), "-c:a", "aac",
            "-b:a", "128k", "-ar", "48000", "-ac", "2", "-movflags", "+faststart", "-f", "mp4"]
    with canvas.partial_output(out) as partial:
        run_ffmpeg(args + [str(partial)], timeout=timeout or 60 + 2 * info.duration)


def cover_frame(
    src: Path, recipe: dict, out_jpg: Path, *, height: int = 720, stickers: dict[str, Path] | None = None,
    timeout: float = 60,
) -> None:
    """A JPEG of the output frame at ``recipe["cover"]``, with the look, texts and stickers applied."""
    out_jpg = Path(out_jpg)
    info = _probe(Path(src))
    r = validate({**recipe, "sound": None}, duration=info.duration, has_audio=info.has_audio)
    length = output_duration(r, info.duration)
    at = max(0.0, min(r["cover"], length - 0.1))
    with tempfile.TemporaryDirectory(prefix="reelbox-cover-") as tmp, canvas.partial_output(out_jpg) as partial:
        files, placements = _prepare_overlays(r, height, Path(tmp), stickers)
        args = ["-ss", f"{r['trim']['start'] + at * r['speed']:.3f}", *safe_input(src)]
        for file in files:
            args += ["-i", str(file)]
        graph, _ = filter_graph(r, duration=info.duration, height=height, placements=placements, t0=at,
                                audio=False, fps=min(MAX_FPS, info.fps or MAX_FPS))
        args += ["-filter_complex", graph, "-map", "[v]", "-frames:v", "1", "-q:v", "3",
                 "-f", "image2", "-c:v", "mjpeg", "-update", "1", str(partial)]
        run_ffmpeg(args, timeout=timeout)
        if not partial.exists() or partial.stat().st_size == 0:
            raise RecipeError("cover", "out_of_range", gettext_noop("There is no frame at this time."))
