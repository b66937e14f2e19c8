"""Shared clips for the media tests; generated once per session into a temp dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelbox.media import ladder
from reelbox.media.generate import make_clip
from reelbox.media.probe import ProbeResult, probe


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def portrait_clip(media_dir: Path) -> Path:
    """2 s of 1080x1920 30 fps with sound: a phone clip in miniature."""
    return make_clip(media_dir / "portrait.mp4", duration=2.0, width=1080, height=1920, fps=30)


@pytest.fixture(scope="session")
def portrait_info(portrait_clip: Path) -> ProbeResult:
    return probe(portrait_clip)


@pytest.fixture(scope="session")
def ladder_outputs(media_dir: Path, portrait_clip: Path, portrait_info: ProbeResult) -> list[ladder.RenditionOutput]:
    out_dir = media_dir / "renditions"
    rungs = ladder.plan_ladder(portrait_info)
    # HLS comes from the same pass (tee muxer); package_hls, the remux of a finished MP4, is tested apart.
    return ladder.transcode(portrait_clip, out_dir, rungs, portrait_info, threads=2, timeout=120)
