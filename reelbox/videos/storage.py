"""Moving media between local work directories and the configured storage.

Workers need local files for ffmpeg; storage may be a directory or S3. Keep
all path knowledge here so that the rest never cares which.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.utils.encoding import filepath_to_uri


def work_dir() -> Path:
    path = Path(settings.FILE_UPLOAD_TEMP_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def put(local: Path, name: str) -> str:
    """Store ``local`` under exactly ``name``, replacing any earlier copy.

    Readers see the old file or the new one, never none: playlists are
    rewritten while players poll them, so a delete-then-write window would
    show up as a failed request. On disk that is a rename over the old file;
    on S3 a PUT replaces an object atomically.
    """
    if _on_disk():
        dest = Path(default_storage.path(name))
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
        try:
            shutil.copyfile(local, part)
            os.replace(part, dest)
        finally:
            part.unlink(missing_ok=True)
        return name
    with local.open("rb") as fh:
        return default_storage.save(name, File(fh, name=Path(name).name))


def put_text(text: str, name: str) -> str:
    """Store a small text file (a playlist) under exactly ``name``."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=work_dir(), suffix=".txt") as fh:
        fh.write(text)
        fh.flush()
        return put(Path(fh.name), name)


def put_tree(local_dir: Path, prefix: str) -> list[str]:
    saved = []
    for path in sorted(p for p in local_dir.rglob("*") if p.is_file()):
        saved.append(put(path, f"{prefix}/{path.relative_to(local_dir).as_posix()}"))
    return saved


def _on_disk() -> bool:
    return isinstance(default_storage, FileSystemStorage)  # the lazy proxy forwards __class__


@contextlib.contextmanager
def local_copy(name: str) -> Iterator[Path]:
    """A local path for a stored file: the file itself on disk storage, a temporary copy otherwise."""
    if _on_disk():
        yield Path(default_storage.path(name))
        return
    with tempfile.TemporaryDirectory(dir=work_dir()) as tmp:
        target = Path(tmp) / "source"
        with default_storage.open(name, "rb") as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        yield target


def delete_prefix(prefix: str) -> None:
    """Remove everything stored under ``prefix`` (a failed or deleted video's media)."""
    if not prefix:
        return
    if _on_disk():
        shutil.rmtree(Path(default_storage.path(prefix)), ignore_errors=True)
        return
    stack = [prefix]
    while stack:
        current = stack.pop()
        dirs, files = default_storage.listdir(current)
        for f in files:
            default_storage.delete(f"{current}/{f}")
        stack.extend(f"{current}/{d}" for d in dirs)


def delete(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


def url(name: str) -> str | None:
    return url_maker()(name)


def url_maker() -> Callable[[str], str | None]:
    """``url`` with the storage looked up once, for callers that make many (a video has five URLs): reading
    the lazy default storage's class and base URL costs more than the rest of a URL."""
    base = _local_base_url()
    if base is None:
        return lambda name: default_storage.url(name) if name else None

    def local(name: str) -> str | None:
        # The storage's own url() goes through urljoin, which costs more than the rest of a video's JSON;
        # our names are relative and never hold "..", so joining is a concatenation.
        return base + filepath_to_uri(name).lstrip("/") if name else None

    return local


def _local_base_url() -> str | None:
    # Looked up on every call, not cached: tests and deployments may swap the storage (settings.STORAGES).
    # The lazy default_storage reports its wrapped class; a subclass may have its own url(), so exactly this one.
    if default_storage.__class__ is FileSystemStorage and default_storage.base_url.endswith("/"):
        return default_storage.base_url
    return None
