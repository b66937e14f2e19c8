"""Studio render time against bare ffmpeg with the same filter graph, in the same run.

    python bench/studio.py [--output 15] [--repeat 2]

The source is 1080x1920 30 fps with film grain, encoded at a phone camera's bitrate (as in
bench/transcode.py). The recipe trims 1 s off the start, plays at 1.5x (so 15 s of output reads 22.5 s of
source), applies the "vivid" look and two text overlays (Latin and Arabic). Timed:

- final render at 720p through reelbox.media.edit.render (probe, validation, text pictures, one ffmpeg
  pass) against the bare ffmpeg command with the identical arguments (overlay pictures made beforehand);
- the 360p preview of the same recipe, both ways, from the original and from a 360p proxy
  (edit.make_proxy, made once per upload: its one-off cost is printed too). Decoding a phone's 1080p
  original is most of a preview's cost, more than two cores manage in 3 s for 15 s of output.

Each is run ``--repeat`` times alternately and the best time kept, which filters out load from other
processes. Targets (issue #5): final render <= 1.1x bare; 15 s of preview in < 3 s on two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from reelbox.media import edit  # noqa: E402
from reelbox.media.ffmpeg import run_ffmpeg  # noqa: E402
from reelbox.media.generate import make_clip  # noqa: E402
from reelbox.media.probe import probe  # noqa: E402

SPEED = 1.5
TRIM_START = 1.0


def recipe(output: float) -> dict:
    end = TRIM_START + output * SPEED
    return {
        "trim": {"start": TRIM_START, "end": end}, "speed": SPEED, "look": "vivid",
        "texts": [
            {"text": "Sunday at the lake", "x": 0.5, "y": 0.2, "size": 0.06, "color": "#ffffff",
             "start": 0.0, "end": output},
            {"text": "مرحبا بالعالم", "x": 0.5, "y": 0.8, "size": 0.05, "color": "#ffcc00",
             "start": output / 3, "end": output},
        ],
    }


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", type=float, default=15.0, help="seconds of output")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--source-kbps", type=int, default=17000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    r = recipe(args.output)
    with tempfile.TemporaryDirectory(prefix="reelbox-bench-studio-") as tmp:
        tmp = Path(tmp)
        src = make_clip(tmp / "phone.mp4", duration=TRIM_START + args.output * SPEED + 1, width=1080, height=1920,
                        fps=30, grain=10, video_kbps=args.source_kbps)
        work = tmp / "work"
        work.mkdir()
        bare_final = edit.plan(src, r, tmp / "bare.mp4", workdir=work, height=720)
        bare_preview = edit.plan(src, r, tmp / "bare_preview.mp4", workdir=work, height=360, preview=True)
        proxy = tmp / "proxy.mp4"
        proxy_s = timed(lambda: edit.make_proxy(src, proxy))
        bare_proxy_preview = edit.plan(proxy, r, tmp / "bare_proxy.mp4", workdir=work, height=360, preview=True)
        results: dict[str, list[float]] = {"bare_720p": [], "reelbox_720p": [], "bare_preview": [],
                                           "reelbox_preview": [], "bare_proxy_preview": [],
                                           "reelbox_proxy_preview": []}
        run_ffmpeg(bare_preview.args, timeout=600)  # warm the page cache and ffmpeg itself
        for _ in range(args.repeat):
            results["bare_720p"].append(timed(lambda: run_ffmpeg(bare_final.args, timeout=600)))
            results["reelbox_720p"].append(timed(lambda: edit.render(src, r, tmp / "out.mp4", height=720)))
            results["bare_preview"].append(timed(lambda: run_ffmpeg(bare_preview.args, timeout=600)))
            results["reelbox_preview"].append(
                timed(lambda: edit.render(src, r, tmp / "preview.mp4", height=360, preview=True)))
            results["bare_proxy_preview"].append(timed(lambda: run_ffmpeg(bare_proxy_preview.args, timeout=600)))
            results["reelbox_proxy_preview"].append(
                timed(lambda: edit.render(proxy, r, tmp / "proxy_preview.mp4", height=360, preview=True)))
        out_info, preview_info = probe(tmp / "out.mp4"), probe(tmp / "preview.mp4")
    best = {name: min(values) for name, values in results.items()}
    result = {
        "source": f"1080x1920 30fps grain, {args.source_kbps} kbit/s", "output_s": args.output,
        "cpus": os.cpu_count(), "load_1min": os.getloadavg()[0], "runs": results, "best": best,
        "final_ratio": best["reelbox_720p"] / best["bare_720p"],
        "preview_ratio": best["reelbox_preview"] / best["bare_preview"],
        "proxy_preview_ratio": best["reelbox_proxy_preview"] / best["bare_proxy_preview"], "proxy_once_s": proxy_s,
        "outputs": {"final": [out_info.width, out_info.height, round(out_info.duration, 2)],
                    "preview": [preview_info.width, preview_info.height, round(preview_info.duration, 2)]},
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"source: {result['source']}; recipe: trim + {SPEED}x + vivid + 2 texts -> {args.output:g} s of output")
    print(f"machine: {result['cpus']} CPUs, load {result['load_1min']:.2f} at the end; best of {args.repeat}")
    print(f"bare ffmpeg 720p:        {best['bare_720p']:6.2f} s")
    print(f"reelbox render 720p:     {best['reelbox_720p']:6.2f} s  = {result['final_ratio']:.2f}x bare "
          "(target <= 1.1x)")
    print(f"bare ffmpeg preview:     {best['bare_preview']:6.2f} s")
    print(f"reelbox preview 360p:    {best['reelbox_preview']:6.2f} s  = {result['preview_ratio']:.2f}x bare "
          "(from the 1080p original)")
    print(f"360p proxy, once:        {proxy_s:6.2f} s")
    print(f"bare preview from proxy: {best['bare_proxy_preview']:6.2f} s")
    print(f"reelbox preview, proxy:  {best['reelbox_proxy_preview']:6.2f} s  = {result['proxy_preview_ratio']:.2f}x "
          f"bare; target < 3 s for 15 s of output")


if __name__ == "__main__":
    main()
