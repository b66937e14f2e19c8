"""Poster frames and thumbnail strips."""

from __future__ import annotations

from pathlib import Path

from reelbox.media.ffmpeg import run_ffmpeg


def poster(src, dest, at_s: float, max_short_side: int = 1080) -> Path:
    """One JPEG frame at ``at_s``, the short side capped (posters show before the video loads)."""
    dest = Path(dest)
    scale = (f"scale='if(lt(iw,ih),min(iw,{max_short_side}),-2)':'if(lt(iw,ih),-2,min(ih,{max_short_side}))'")
    run_ffmpeg(["-ss", f"{max(0.0, at_s):.3f}", "-i", str(src), "-frames:v", "1", "-vf", scale, "-q:v", "3",
                "-f", "image2", str(dest)], timeout=60)
    return dest


def thumbnail_strip(src, dest, duration: float, count: int = 10, tile_height: int = 160) -> list[float]:
    """A horizontal sprite of ``count`` evenly spaced frames (for scrubbing previews); returns their times."""
    dest = Path(dest)
    step = max(duration / count, 0.04)
    run_ffmpeg(["-i", str(src), "-vf", f"fps=1/{step:.4f},scale=-2:{tile_height},tile={count}x1",
                "-frames:v", "1", "-q:v", "4", "-f", "image2", str(dest)], timeout=max(60, duration * 4))
    return [round(i * step, 3) for i in range(count)]
