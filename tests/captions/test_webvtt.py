"""The caption file reader: WebVTT and SRT in, WebVTT out, every refusal naming its line."""

import pytest

from reelbox.captions import webvtt

GOOD_VTT = """WEBVTT - a title

NOTE written by hand

intro
00:00.500 --> 00:02.000 align:start
Hello <i>there</i>

00:00:02.000 --> 00:00:04.250
مرحبا بالعالم
second line
"""

GOOD_SRT = """1
00:00:00,500 --> 00:00:02,000
Hello there

2
00:00:02,000 --> 00:00:04,250
Olá --> mundo
"""


def test_reads_webvtt_with_header_notes_identifiers_and_settings():
    cues = webvtt.parse(GOOD_VTT, duration=5)
    assert [(c.start, c.end) for c in cues] == [(0.5, 2.0), (2.0, 4.25)]
    assert cues[0].text == "Hello <i>there</i>" and cues[1].text == "مرحبا بالعالم\nsecond line"
    assert cues[0].line == 6


def test_reads_srt_and_writes_webvtt():
    cues = webvtt.parse("\ufeff" + GOOD_SRT.replace("\n", "\r\n"), duration=5)
    out = webvtt.render(cues)
    assert out.startswith("WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nHello there\n")
    assert out.split("\n")[-2] == "Olá -> mundo"  # an arrow in the text would end the cue early
    assert [(c.start, c.end, c.text) for c in webvtt.parse(out, duration=5)] == [
        (c.start, c.end, c.text) for c in cues]


@pytest.mark.parametrize(("text", "line", "words"), [
    ("", 1, "empty"),
    ("Just some words\nand more", 1, "neither WebVTT"),
    ("WEBVTT\n\n00:01.000 -> 00:02.000\nHi\n", 3, "timing line"),
    ("WEBVTT\n\n00:01.000 --> 00:02\nHi\n", 3, "timing is not valid"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000\n\n00:03.000 --> 00:02.000\nbackwards\n", 3, "no text"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000\na\n\n00:03.000 --> 00:02.000\nbackwards\n", 6, "ends before it starts"),
    ("WEBVTT\n\n00:05.000 --> 00:06.000\na\n\n\n00:01.000 --> 00:02.000\nb\n", 7, "out of order"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000\na\n\n00:08.000 --> 00:12.000\ntoo late\n", 6, "after the end of the video"),
    ("1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03.000 -> 00:00:04,000\nbad\n", 6, "timing is not valid"),
    ("WEBVTT\n\nNOTE only a note\n", 1, "no cues"),
])
def test_refusals_name_the_line(text, line, words):
    with pytest.raises(webvtt.CaptionError) as info:
        webvtt.parse(text, duration=10)
    assert info.value.line == line, str(info.value)
    assert words in info.value.message
    assert str(info.value).startswith(f"line {line}:")


def test_cues_may_overlap_and_end_a_little_after_the_video():
    cues = webvtt.parse("WEBVTT\n\n00:01.000 --> 00:05.000\na\n\n00:02.000 --> 00:10.300\nb\n", duration=10)
    assert len(cues) == 2
