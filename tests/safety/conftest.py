"""The review engine's tests run the real models; without the ``moderation`` extra they are skipped
(failed under CI=true, where a missing extra is a broken install)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import require_service


def require(*modules: str) -> None:
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    require_service(not missing, f"{', '.join(missing)} not installed (pip install 'reelbox[moderation]')")


@pytest.fixture
def nudenet_installed() -> None:
    require("nudenet", "onnxruntime", "cv2")


@pytest.fixture
def profanity_installed() -> None:
    require("profanity_check", "sklearn")


@pytest.fixture(scope="session")
def safety_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("safety")
