"""Typed configuration read from ``REELBOX_*`` environment variables.

Everything an operator can set lives here, is parsed once, and fails loudly at
start-up naming the variable, instead of surfacing as a strange error later.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ENV_PREFIX = "REELBOX_"
PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "insecure"}


class ConfigError(Exception):
    """A REELBOX_* variable has a value the platform cannot run with."""


def _raw(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV_PREFIX + name, default)


def _int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = _raw(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{ENV_PREFIX}{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{ENV_PREFIX}{name} must be >= {minimum}, got {value}")
    return value


def _float(name: str, default: float, *, minimum: float = 0.0, maximum: float = float("inf")) -> float:
    raw = _raw(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{ENV_PREFIX}{name} must be a number, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ConfigError(f"{ENV_PREFIX}{name} must be between {minimum} and {maximum}, got {value}")
    return value


def _recsys_config() -> dict:
    """Engine overrides as JSON, checked against the engine's own keys so a typo fails at start-up."""
    import json

    from reelbox.recsys.config import merge_config

    raw = _raw("RECSYS_CONFIG")
    if not raw:
        return {}
    try:
        value = json.loads(raw)
        if not isinstance(value, dict):
            raise ValueError("not an object")
        merge_config(value)
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"{ENV_PREFIX}RECSYS_CONFIG must be a JSON object of engine settings: {exc}") from None
    return value


def _bool(name: str, default: bool) -> bool:
    raw = _raw(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{ENV_PREFIX}{name} must be true or false, got {raw!r}")


def _choice(name: str, choices: tuple[str, ...], default: str) -> str:
    raw = (_raw(name) or "").strip().lower()
    if not raw:
        return default
    if raw not in choices:
        raise ConfigError(f"{ENV_PREFIX}{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


TRANSCODE_PASSES = ("cascade", "first-alone", "one-pass")


def _transcode_passes() -> str:
    # REELBOX_TRANSCODE_FIRST_ALONE, the boolean this setting replaced, still counts when it is the one set.
    if not _raw("TRANSCODE_PASSES") and _raw("TRANSCODE_FIRST_ALONE"):
        return "first-alone" if _bool("TRANSCODE_FIRST_ALONE", True) else "one-pass"
    return _choice("TRANSCODE_PASSES", TRANSCODE_PASSES, "cascade")


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database_url: str
    storage: str  # "local" or an s3:// URL
    secret_key: str
    production: bool
    debug: bool
    max_upload_mb: int
    max_duration_s: int
    transcode_concurrency: int
    transcode_passes: str  # one of TRANSCODE_PASSES
    ffmpeg_threads: int
    redis_url: str | None
    allowed_hosts: list[str] = field(default_factory=list)
    s3_endpoint_url: str | None = None
    stale_job_s: int = 120
    recsys_retrain_s: int = 900
    recsys_reload_s: float = 5.0
    recsys_history_events: int = 300
    recsys_exploration_share: float = 0.1
    recsys_cold_exploration_share: float = 0.3
    recsys_config: dict = field(default_factory=dict)
    # Secrets that wrap direct messages' data keys: the current one first, then retired ones.
    message_keys: tuple[str, ...] = ()
    ws_url: str = ""
    ws_port: int = 0
    # Captions and translation (reelbox.captions).
    auto_captions: bool = False
    translate_backend: str = "auto"
    translate_url: str = ""
    translate_api_key: str = ""
    feed_language_boost: float = 0.0

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"


def _secret_key(data_dir: Path, production: bool) -> str:
    key = _raw("SECRET_KEY")
    if key is not None:
        if production and (key.strip().lower() in PLACEHOLDER_SECRETS or len(key) < 32):
            raise ConfigError(
                f"{ENV_PREFIX}SECRET_KEY must be a random string of at least 32 characters in production"
            )
        return key
    if production:
        raise ConfigError(f"{ENV_PREFIX}SECRET_KEY is required when {ENV_PREFIX}PRODUCTION is set")
    # Development: generate once and keep it, so sessions survive restarts.
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _message_keys(data_dir: Path) -> tuple[str, ...]:
    """The server secrets for direct messages (docs/security.md): REELBOX_MESSAGE_KEY, then retired ones.

    Unset, a random key is generated once into ``$DATA_DIR/message_key`` (mode
    600), like the secret key; a deployment with several nodes must set it.
    """
    current = _raw("MESSAGE_KEY")
    old = tuple(k.strip() for k in (_raw("MESSAGE_OLD_KEYS") or "").split(",") if k.strip())
    if current is not None:
        if len(current) < 32 or current.strip().lower() in PLACEHOLDER_SECRETS:
            raise ConfigError(f"{ENV_PREFIX}MESSAGE_KEY must be a random string of at least 32 characters")
        return (current, *old)
    path = data_dir / "message_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(32))
    return (path.read_text().strip(), *old)


def _database_url(data_dir: Path) -> str:
    url = _raw("DATABASE_URL") or f"sqlite:///{data_dir / 'reelbox.sqlite3'}"
    scheme = urlparse(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql"}:
        raise ConfigError(
            f"{ENV_PREFIX}DATABASE_URL must start with sqlite:// or postgres://, got scheme {scheme!r}"
        )
    return url


def _storage() -> str:
    value = _raw("STORAGE", "local") or "local"
    if value != "local" and not value.startswith("s3://"):
        raise ConfigError(f"{ENV_PREFIX}STORAGE must be 'local' or s3://bucket[/prefix], got {value!r}")
    return value


def _translate_backend() -> str:
    value = (_raw("TRANSLATE_BACKEND") or "auto").lower()
    if value not in {"auto", "apertium", "libretranslate", "none"}:
        raise ConfigError(f"{ENV_PREFIX}TRANSLATE_BACKEND must be auto, apertium, libretranslate or none, "
                          f"got {value!r}")
    return value


def _translate_url() -> str:
    """A self-hosted LibreTranslate server; required when the backend is libretranslate."""
    value = (_raw("TRANSLATE_URL") or "").strip()
    if value:
        parsed = urlparse(value)
        if parsed.scheme not in {"http", "https"} or not parsed.netloc:
            raise ConfigError(f"{ENV_PREFIX}TRANSLATE_URL must be an http(s):// URL, got {value!r}")
    elif (_raw("TRANSLATE_BACKEND") or "").lower() == "libretranslate":
        raise ConfigError(f"{ENV_PREFIX}TRANSLATE_URL is required when {ENV_PREFIX}TRANSLATE_BACKEND is libretranslate")
    return value.rstrip("/")


def load() -> Config:
    data_dir = Path(_raw("DATA_DIR", "./var") or "./var").expanduser().resolve()
    production = _bool("PRODUCTION", False)
    cores = os.cpu_count() or 2
    hosts = [h.strip() for h in (_raw("ALLOWED_HOSTS") or "").split(",") if h.strip()]
    if production and not hosts:
        raise ConfigError(f"{ENV_PREFIX}ALLOWED_HOSTS is required when {ENV_PREFIX}PRODUCTION is set")
    return Config(
        data_dir=data_dir,
        database_url=_database_url(data_dir),
        storage=_storage(),
        secret_key=_secret_key(data_dir, production),
        production=production,
        debug=_bool("DEBUG", not production),
        max_upload_mb=_int("MAX_UPLOAD_MB", 500, minimum=1),
        max_duration_s=_int("MAX_DURATION_S", 600, minimum=1),
        # x264 already uses every core; two encodes at once on two cores only
        # thrash caches, so one job per core pair by default.
        transcode_concurrency=_int("TRANSCODE_CONCURRENCY", max(1, cores // 2), minimum=1),
        transcode_passes=_transcode_passes(),
        ffmpeg_threads=_int("FFMPEG_THREADS", 0, minimum=0),
        redis_url=_raw("REDIS_URL") or None,
        allowed_hosts=hosts or ["*"],
        s3_endpoint_url=_raw("S3_ENDPOINT_URL") or None,
        stale_job_s=_int("STALE_JOB_S", 120, minimum=5),
        recsys_retrain_s=_int("RECSYS_RETRAIN_S", 900, minimum=10),
        recsys_reload_s=_float("RECSYS_RELOAD_S", 5.0, minimum=0.0, maximum=3600.0),
        recsys_history_events=_int("RECSYS_HISTORY_EVENTS", 300, minimum=1),
        recsys_exploration_share=_float("RECSYS_EXPLORATION_SHARE", 0.1, maximum=1.0),
        recsys_cold_exploration_share=_float("RECSYS_COLD_EXPLORATION_SHARE", 0.3, maximum=1.0),
        recsys_config=_recsys_config(),
        message_keys=_message_keys(data_dir),
        ws_url=_raw("WS_URL") or "",
        ws_port=_int("WS_PORT", 0, minimum=0),
        auto_captions=_bool("AUTO_CAPTIONS", False),
        translate_backend=_translate_backend(),
        translate_url=_translate_url(),
        translate_api_key=_raw("TRANSLATE_API_KEY") or "",
        feed_language_boost=_float("FEED_LANGUAGE_BOOST", 0.0, maximum=10.0),
    )
