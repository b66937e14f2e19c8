"""The editor's recipe validation and its one-pass render, checked by probing and decoding the output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelbox.media import audio, edit, fonts, overlays
from reelbox.media.errors import FFmpegTimeout, MediaRejected
from reelbox.media.framegrab import frame_at
from reelbox.media.generate import make_clip, make_music
from reelbox.media.probe import probe


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """4 s of 540x960 testsrc2 with a 440 Hz tone."""
    return make_clip(tmp_path_factory.mktemp("edit") / "clip.mp4", duration=4.0, width=540, height=960)


@pytest.fixture(scope="module")
def flat_clip(tmp_path_factory) -> Path:
    """3 s of flat grey, landscape, no audio: overlays and looks show plainly on it."""
    return make_clip(tmp_path_factory.mktemp("edit") / "flat.mp4", duration=3.0, width=640, height=360,
                     pattern="color", color="#707070", tone_hz=None)


@pytest.fixture(scope="module")
def song(tmp_path_factory) -> Path:
    return make_music(tmp_path_factory.mktemp("edit") / "song.m4a", seed=3, duration=10.0)


# ---------------------------------------------------------------- validate


def test_validate_fills_defaults():
    r = edit.validate({}, duration=4.0)
    assert r == {"trim": {"start": 0.0, "end": 4.0}, "speed": 1.0, "look": "none", "texts": [], "stickers": [],
                 "sound": None, "original_volume": 1.0, "cover": 0.0}
    full = edit.validate({"trim": {"start": 1, "end": 3}, "speed": 2, "look": "noir",
                          "texts": [{"text": "hi"}], "stickers": [{"id": 7}], "sound": {"id": "s1"}}, duration=4.0)
    assert full["texts"][0] == {"text": "hi", "x": 0.5, "y": 0.5, "size": 0.06, "color": "#ffffff",
                                "start": 0.0, "end": 1.0}
    assert full["stickers"][0]["id"] == "7" and full["stickers"][0]["end"] == 1.0
    assert full["sound"] == {"id": "s1", "offset": 0.0, "volume": 1.0}


def test_validate_clamps_rounding_slack():
    r = edit.validate({"trim": {"end": 4.03}, "texts": [{"text": "a", "end": 4.02}]}, duration=4.0)
    assert r["trim"]["end"] == 4.0 and r["texts"][0]["end"] == 4.0


def test_at_least_eight_looks():
    assert len(edit.LOOKS) >= 9 and "none" in edit.LOOKS  # eight looks besides the original


@pytest.mark.parametrize(("recipe", "field", "code"), [
    ({"trim": {"start": 0, "end": 10}}, "trim.end", "out_of_range"),
    ({"trim": {"start": 3, "end": 1}}, "trim.end", "before_start"),
    ({"trim": {"start": 5}}, "trim.start", "out_of_range"),
    ({"trim": {"start": 1, "end": 1.2}}, "trim.end", "too_short"),
    ({"trim": {"start": True}}, "trim.start", "type"),
    ({"trim": {"begin": 1}}, "trim.begin", "unknown_key"),
    ({"speed": 10}, "speed", "out_of_range"),
    ({"speed": 0.25}, "speed", "out_of_range"),
    ({"speed": "fast"}, "speed", "type"),
    ({"speed": float("nan")}, "speed", "type"),
    ({"look": "sparkle"}, "look", "unknown_look"),
    ({"look": 3}, "look", "unknown_look"),
    ({"texts": "hello"}, "texts", "type"),
    ({"texts": [{"text": "x" * 301}]}, "texts[0].text", "too_long"),
    ({"texts": [{"text": "a"}] * 11}, "texts", "too_many"),
    ({"texts": [{"text": "ok"}, {"text": "ok"}, {"text": "  "}]}, "texts[2].text", "required"),
    ({"texts": [{"text": 5}]}, "texts[0].text", "type"),
    ({"texts": [{"text": "a\x00b"}]}, "texts[0].text", "bad_character"),
    ({"texts": [{"text": "a", "color": "red"}]}, "texts[0].color", "bad_color"),
    ({"texts": [{"text": "a", "x": 1.5}]}, "texts[0].x", "out_of_range"),
    ({"texts": [{"text": "a", "y": -0.1}]}, "texts[0].y", "out_of_range"),
    ({"texts": [{"text": "a", "size": 0.5}]}, "texts[0].size", "out_of_range"),
    ({"texts": [{"text": "a", "start": 1, "end": 9}]}, "texts[0].end", "out_of_range"),
    ({"texts": [{"text": "a", "start": 2, "end": 1}]}, "texts[0].end", "before_start"),
    ({"texts": [{"text": "a", "font": "Comic"}]}, "texts[0].font", "unknown_key"),
    # Text times are on the output timeline: 4 s at 2x is 2 s long.
    ({"speed": 2, "texts": [{"text": "a", "start": 2.5}]}, "texts[0].start", "out_of_range"),
    ({"stickers": [{"id": "s", "scale": 3}]}, "stickers[0].scale", "out_of_range"),
    ({"stickers": [{"x": 0.5}]}, "stickers[0].id", "required"),
    ({"sound": {"id": "1", "volume": 5}}, "sound.volume", "out_of_range"),
    ({"sound": {"id": "1", "offset": 30}}, "sound.offset", "out_of_range"),
    ({"sound": "song"}, "sound", "type"),
    ({"original_volume": -1}, "original_volume", "out_of_range"),
    ({"cover": 99}, "cover", "out_of_range"),
    ({"filter": "vivid"}, "filter", "unknown_key"),
])
def test_validate_names_the_bad_field(recipe, field, code):
    with pytest.raises(edit.RecipeError) as caught:
        edit.validate(recipe, duration=4.0, sound_duration=20.0)
    assert (caught.value.field, caught.value.code) == (field, code)
    assert caught.value.message and caught.value.message.endswith(".")  # a bare catalogue string
    assert isinstance(caught.value, ValueError)
    if code == "out_of_range":
        assert caught.value.limits is not None and field in str(caught.value)


def test_validate_rejects_a_non_object():
    with pytest.raises(edit.RecipeError):
        edit.validate(["trim"], duration=4.0)  # type: ignore[arg-type]


def test_output_duration():
    assert edit.output_duration({"trim": {"start": 1, "end": 3}, "speed": 2}, 4.0) == pytest.approx(1.0)
    assert edit.output_duration({"speed": 0.5}, 4.0) == pytest.approx(8.0)
    assert edit.output_duration({}, 4.0) == pytest.approx(4.0)


# ---------------------------------------------------------------- render


@pytest.mark.parametrize(("trim", "speed", "preview"), [
    ((0.5, 3.5), 2.0, True),
    ((1.0, 2.5), 0.5, True),
    ((0.0, 4.0), 1.0, False),
])
def test_render_trim_and_speed(clip, tmp_path, trim, speed, preview):
    out = tmp_path / "out.mp4"
    seen: list[float] = []
    edit.render(clip, {"trim": {"start": trim[0], "end": trim[1]}, "speed": speed, "look": "warm"}, out,
                preview=preview, height=360 if preview else 720, on_progress=seen.append)
    info = probe(out)
    assert info.duration == pytest.approx((trim[1] - trim[0]) / speed, abs=0.1)
    assert (info.width, info.height) == ((360, 640) if preview else (720, 1280))
    assert info.has_audio and info.video_codec == "h264" and info.audio_codec == "aac"
    assert info.fps <= 30.5
    assert all(0.0 <= value <= 1.0 for value in seen)
    assert not list(tmp_path.glob(".*.part"))


def test_speed_keeps_the_pitch(clip, tmp_path):
    out = tmp_path / "fast.mp4"
    edit.render(clip, {"speed": 2.0}, out, preview=True, height=360)
    samples = audio.decode_pcm(out, 8000)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    peak = np.fft.rfftfreq(samples.size, 1 / 8000)[int(np.argmax(spectrum))]
    assert peak == pytest.approx(440, abs=10)  # the source's tone, not 880 Hz


def test_every_look_changes_the_picture(clip, tmp_path):
    plain = tmp_path / "none.jpg"
    edit.cover_frame(clip, {"cover": 1.0}, plain, height=360)
    base = np.asarray(Image.open(plain), dtype=float)
    pictures = {}
    for name in edit.LOOKS:
        if name == "none":
            continue
        out = tmp_path / f"{name}.jpg"
        edit.cover_frame(clip, {"cover": 1.0, "look": name}, out, height=360)
        pictures[name] = np.asarray(Image.open(out), dtype=float)
        assert np.abs(pictures[name] - base).mean() > 3, name
    # And the looks are not all the same look.
    means = {tuple(np.round(p.mean(axis=(0, 1)))) for p in pictures.values()}
    assert len(means) >= len(pictures) - 2


@pytest.mark.parametrize("text", ["Hello, studio!", "你好，世界 こんにちは 안녕", "مرحبا بالعالم"])
def test_text_overlay_is_visible(flat_clip, tmp_path, text):
    recipe = {"cover": 0.5, "texts": [{"text": text, "x": 0.5, "y": 0.25, "size": 0.08, "color": "#ffcc00",
                                       "start": 0.0, "end": 2.0}]}
    with_text, without = tmp_path / "with.jpg", tmp_path / "without.jpg"
    edit.cover_frame(flat_clip, recipe, with_text, height=360)
    edit.cover_frame(flat_clip, {"cover": 0.5}, without, height=360)
    a = np.asarray(Image.open(with_text), dtype=float)
    b = np.asarray(Image.open(without), dtype=float)
    changed = np.abs(a - b).max(axis=2) > 40
    rows = np.nonzero(changed.any(axis=1))[0]
    assert changed.sum() > 300, "the text drew nothing"
    # Drawn around y = 0.25 of the 640 px frame and nowhere near the bottom.
    assert 100 < rows.mean() < 220 and not changed[400:].any()
    # The fill colour is really there (yellow: red and green high, blue low).
    yellow = (a[..., 0] > 180) & (a[..., 1] > 150) & (a[..., 2] < 100)
    assert yellow.sum() > 100


def test_text_shows_only_in_its_time_window(flat_clip, tmp_path):
    out = tmp_path / "timed.mp4"
    edit.render(flat_clip, {"texts": [{"text": "NOW", "size": 0.1, "start": 1.0, "end": 2.0}]}, out,
                preview=True, height=360)
    before, during, after = (frame_at(out, t).astype(float) for t in (0.5, 1.5, 2.5))
    assert np.abs(during - before).max(axis=2).__gt__(60).sum() > 300
    assert np.abs(after - before).max() < 30


def test_arabic_is_shaped_and_right_to_left():
    assert overlays.shaping_available(), "Pillow needs libraqm + libfribidi (Debian: libfribidi0) for Arabic"
    word = "\u0628\u0628\u0628"  # three behs: joined, they are much narrower than three isolated letters
    shaped = overlays.render_text(word, size=80, color="#ffffff", frame_width=2000)
    unshaped = overlays.render_text(word, size=80, color="#ffffff", frame_width=2000, basic=True)
    assert shaped.width < unshaped.width * 0.8
    # Alef then beh (logical order): right to left puts the tall alef on the RIGHT.
    image = np.asarray(overlays.render_text("\u0627 \u0628", size=120, color="#ffffff", frame_width=2000))
    ink = image[..., 3] > 128
    cols = np.nonzero(ink.any(axis=0))[0]
    rows = np.nonzero(ink.any(axis=1))[0]
    top = ink[rows[0]:rows[0] + (rows[-1] - rows[0]) // 4]  # only the alef reaches the top quarter
    tall_cols = np.nonzero(top.any(axis=0))[0]
    assert tall_cols.mean() > (cols[0] + cols[-1]) / 2


def test_fonts_cover_many_scripts_and_emoji():
    samples = {"Latin": "Hello", "Cyrillic": "Привет", "Greek": "Γειά", "Arabic": "مرحبا", "Hebrew": "שלום",
               "Devanagari": "नमस्ते", "Thai": "สวัสดี", "Chinese": "你好", "Japanese": "こんにちは", "Korean": "안녕하세요",
               "emoji": "😀🎉"}
    for name, text in samples.items():
        for chunk, face in fonts.runs(text):
            covered = fonts.coverage(face)
            assert all(ord(ch) in covered for ch in chunk), name
    assert fonts.font_for("你好 hi").name.startswith("NotoSansCJK")
    assert "Arabic" in fonts.font_for("مرحبا hi").name
    # Kana picks the Japanese face, Hangul the Korean one.
    (_, jp), = fonts.runs("ひらがな漢字")
    (_, kr), = fonts.runs("한국어")
    assert (jp.index, kr.index) == (0, 1)


def test_mixed_scripts_draw_in_logical_and_visual_order():
    # Every glyph drawn (no empty "tofu" boxes would still draw, so compare with the parts alone).
    whole = overlays.render_text("Hi 你好 😀", size=60, color="#ffffff", frame_width=2000)
    parts = [overlays.render_text(t, size=60, color="#ffffff", frame_width=2000) for t in ("Hi", "你好", "😀")]
    assert whole.width > sum(p.width for p in parts)  # three runs and two spaces
    # In a right-to-left paragraph the emoji after the Arabic word is drawn to its LEFT.
    image = np.asarray(overlays.render_text("\u0627\u0627\u0627 \U0001F600", size=80, color="#ffffff",
                                            frame_width=2000))
    emoji_only = np.asarray(overlays.render_text("\U0001F600", size=80, color="#ffffff", frame_width=2000))
    ink = image[..., 3] > 128
    cols = np.nonzero(ink.any(axis=0))[0]
    # The emoji is wide and solid: most ink in the left part; the alefs are thin strokes on the right.
    left = ink[:, : emoji_only.shape[1]].sum()
    right = ink[:, cols[-1] - emoji_only.shape[1]:].sum()
    assert left > right


def test_long_text_wraps_inside_the_frame():
    image = overlays.render_text("word " * 60, size=40, color="#ffffff", frame_width=360)
    assert image.width <= 360 and image.height > 5 * 40


def test_stickers(flat_clip, tmp_path):
    sticker = tmp_path / "red.png"
    Image.new("RGBA", (64, 64), (255, 0, 0, 255)).save(sticker)
    out = tmp_path / "cover.jpg"
    edit.cover_frame(flat_clip, {"cover": 0.5, "stickers": [{"id": "red", "x": 0.25, "y": 0.75, "scale": 0.2}]},
                     out, height=360, stickers={"red": sticker})
    frame = np.asarray(Image.open(out), dtype=int)
    # 0.2 of 360 px wide, centred at (90, 480).
    r, g, b = frame[480, 90]
    assert r > 200 and g < 60 and b < 60
    assert abs(int(frame[100, 270, 0]) - 0x70) < 15  # elsewhere the grey is untouched
    video = tmp_path / "sticker.mp4"
    edit.render(flat_clip, {"stickers": [{"id": "red", "x": 0.25, "y": 0.75, "scale": 0.2}]}, video,
                preview=True, height=360, stickers={"red": sticker})
    assert frame_at(video, 1.0)[480, 90, 0] > 200


def test_sticker_errors(flat_clip, tmp_path):
    with pytest.raises(edit.RecipeError) as caught:
        edit.render(flat_clip, {"stickers": [{"id": "nope"}]}, tmp_path / "x.mp4", preview=True, height=360)
    assert caught.value.field == "stickers[0].id" and caught.value.code == "unknown_sticker"
    junk = tmp_path / "junk.png"
    junk.write_text("not a picture")
    with pytest.raises(edit.RecipeError) as caught:
        edit.render(flat_clip, {"stickers": [{"id": "j"}]}, tmp_path / "x.mp4", preview=True, height=360,
                    stickers={"j": junk})
    assert caught.value.code == "bad_sticker"
    assert not (tmp_path / "x.mp4").exists()


def test_sound_mix(flat_clip, clip, song, tmp_path):
    # A silent source gets a silent track without a sound ...
    silent = tmp_path / "silent.mp4"
    edit.render(flat_clip, {}, silent, preview=True, height=360)
    assert probe(silent).has_audio and audio.is_silent(silent)
    # ... and the chosen sound with one, from its offset.
    mixed = tmp_path / "mixed.mp4"
    edit.render(flat_clip, {"sound": {"id": "s", "offset": 2.0, "volume": 1.0}}, mixed, preview=True, height=360,
                sound=song)
    assert probe(mixed).duration == pytest.approx(3.0, abs=0.1)
    assert audio.similarity(audio.fingerprint(mixed), audio.fingerprint(song)) >= audio.SAME_SOUND
    # Original tone muted, sound at half volume: no 440 Hz left.
    only_sound = tmp_path / "only.mp4"
    edit.render(clip, {"original_volume": 0, "sound": {"id": "s", "volume": 0.5}}, only_sound, preview=True,
                height=360, sound=song)
    both = tmp_path / "both.mp4"
    edit.render(clip, {"original_volume": 1, "sound": {"id": "s", "volume": 0.5}}, both, preview=True,
                height=360, sound=song)

    def tone_share(path):
        samples = audio.decode_pcm(path, 8000)
        spectrum = np.abs(np.fft.rfft(samples)) ** 2
        freqs = np.fft.rfftfreq(samples.size, 1 / 8000)
        return spectrum[(freqs > 430) & (freqs < 450)].sum() / spectrum.sum()

    assert tone_share(both) > 5 * tone_share(only_sound)


def test_sound_required_when_the_recipe_names_one(flat_clip, tmp_path):
    with pytest.raises(edit.RecipeError) as caught:
        edit.render(flat_clip, {"sound": {"id": "s"}}, tmp_path / "x.mp4", preview=True, height=360)
    assert caught.value.field == "sound.id"


def test_bad_source_and_timeout_leave_nothing(clip, tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00" * 1000)
    with pytest.raises(MediaRejected):
        edit.render(junk, {}, tmp_path / "a.mp4")
    with pytest.raises(FFmpegTimeout):
        edit.render(clip, {"look": "vivid"}, tmp_path / "b.mp4", timeout=0.01)
    assert list(tmp_path.iterdir()) == [junk]


def test_cover_frame_is_taken_on_the_output_timeline(tmp_path):
    # Red for 2 s then blue for 2 s; at 2x speed, output time 1.5 is source time 3.0: blue.
    red = make_clip(tmp_path / "red.mp4", duration=2.0, width=360, height=640, pattern="color", color="#ff0000")
    blue = make_clip(tmp_path / "blue.mp4", duration=2.0, width=360, height=640, pattern="color", color="#0000ff")
    from reelbox.media import compose

    both = tmp_path / "both.mp4"
    compose.stitch(red, 0.0, 2.0, blue, both)
    out = tmp_path / "cover.jpg"
    edit.cover_frame(both, {"speed": 2.0, "cover": 1.5}, out, height=360)
    r, g, b = np.asarray(Image.open(out), dtype=int)[320, 180]
    assert b > 180 and r < 80
    edit.cover_frame(both, {"speed": 2.0, "cover": 0.5}, out, height=360)
    r, g, b = np.asarray(Image.open(out), dtype=int)[320, 180]
    assert r > 180 and b < 80


def test_preview_proxy(clip, tmp_path):
    proxy = tmp_path / "proxy.mp4"
    edit.make_proxy(clip, proxy)
    info, source = probe(proxy), probe(clip)
    assert (info.width, info.height) == (360, 640)
    assert info.duration == pytest.approx(source.duration, abs=0.1) and info.has_audio
    recipe = {"trim": {"start": 0.5, "end": 3.5}, "speed": 1.5, "look": "mono", "texts": [{"text": "hi"}]}
    from_proxy, from_source = tmp_path / "a.mp4", tmp_path / "b.mp4"
    edit.render(proxy, recipe, from_proxy, preview=True, height=360)
    edit.render(clip, recipe, from_source, preview=True, height=360)
    assert probe(from_proxy).duration == pytest.approx(probe(from_source).duration, abs=0.05)
    # The same picture either way (up to scaling and compression).
    assert np.abs(frame_at(from_proxy, 1.0).astype(float) - frame_at(from_source, 1.0)).mean() < 12


def test_rotated_phone_clip(tmp_path):
    # Coded landscape with a 90 degree display matrix, as phones write portrait video: shown upright.
    rotated = make_clip(tmp_path / "rotated.mp4", duration=1.5, width=320, height=180, rotate=90,
                        pattern="smptebars")
    out = tmp_path / "out.mp4"
    edit.render(rotated, {"look": "cool"}, out, preview=True, height=360)
    info = probe(out)
    assert (info.width, info.height, info.rotation) == (360, 640, 0)
    # SMPTE bars turned upright run top to bottom: the colour changes down the frame, not across it.
    image = frame_at(out, 0.5).astype(float)
    down = np.abs(np.diff(image[:400].mean(axis=1), axis=0)).sum()
    across = np.abs(np.diff(image[:400].mean(axis=0), axis=0)).sum()
    assert down > across
