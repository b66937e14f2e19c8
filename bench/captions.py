"""Automatic captions: recognition time as a multiple of the clip's duration (lower is better; < 1 is faster
than real time), and how many of the spoken words came back.

    python bench/captions.py [--repeat 3] [--threads 2]

The clip is English speech synthesised by espeak-ng (apt-get install espeak-ng) under a plain picture, muxed
into an H.264/AAC MP4 as an upload would be; recognition is reelbox.captions.asr.transcribe (faster-whisper,
Whisper tiny.en int8 from the `captions` extra) including the audio extraction. The first run loads the model
and is reported apart; the figure is the median of the warm runs. Anchor: 6.7 s of speech in 0.97 s (0.14x).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from reelbox.captions import asr  # noqa: E402
from reelbox.media.ffmpeg import run_ffmpeg  # noqa: E402
from reelbox.media.probe import probe  # noqa: E402

SPEECH = ("Welcome back to the kitchen. Today we are making a quick tomato soup for a cold evening. "
          "First, chop two onions and a clove of garlic. Warm some olive oil in a large pot, then add the "
          "onions and cook them slowly until they are soft and golden. Add the tomatoes, a little salt and a "
          "cup of water. Let everything simmer for twenty minutes, then blend it until it is smooth. "
          "Serve it with fresh bread and a spoon of cream. Thanks for watching, and see you next week.")


def make_clip(folder: Path) -> Path:
    wav, mp4 = folder / "speech.wav", folder / "speech.mp4"
    subprocess.run(["espeak-ng", "-s", "160", "-w", str(wav), SPEECH], check=True, timeout=120)
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=0x224466:s=720x1280:r=30", "-i", str(wav), "-shortest",
                "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k",
                str(mp4)], timeout=300, threads=2)
    return mp4


def words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("espeak-ng"):
        sys.exit("espeak-ng is not installed (apt-get install espeak-ng)")
    if not asr.available():
        sys.exit("the captions extra is not installed (pip install -e '.[captions]')")
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_clip(Path(tmp))
        duration = probe(clip).duration
        started = time.perf_counter()
        cues, _language = asr.transcribe(clip, threads=args.threads)
        cold = time.perf_counter() - started
        warm = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            cues, _language = asr.transcribe(clip, threads=args.threads)
            warm.append(time.perf_counter() - started)
    spoken, heard = words(SPEECH), set(words(" ".join(c.text for c in cues)))
    median = statistics.median(warm)
    print(json.dumps({
        "clip_s": round(duration, 2), "threads": args.threads, "cues": len(cues),
        "first_run_s": round(cold, 2), "warm_runs_s": [round(w, 2) for w in warm], "median_s": round(median, 2),
        "x_realtime": round(median / duration, 3), "first_run_x_realtime": round(cold / duration, 3),
        "words_recognised": round(sum(w in heard for w in spoken) / len(spoken), 3),
    }, indent=2))


if __name__ == "__main__":
    main()
