"""Django settings, derived from the typed configuration in ``reelbox.config``."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.utils.translation import gettext_lazy as _

from reelbox import config as _config

try:
    CONFIG = _config.load()
except _config.ConfigError as exc:  # fail loudly, naming the variable
    sys.stderr.write(f"reelbox: configuration error: {exc}\n")
    raise SystemExit(2) from None

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = CONFIG.data_dir
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = CONFIG.secret_key
# Wrap the data keys of direct messages (reelbox.messaging.crypto, docs/security.md).
MESSAGE_KEYS = CONFIG.message_keys
DEBUG = CONFIG.debug
ALLOWED_HOSTS = CONFIG.allowed_hosts

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_tasks",
    "django_tasks_db",
    "reelbox.core",
    "reelbox.accounts",
    "reelbox.videos",
    "reelbox.feed",
    "reelbox.social",
    "reelbox.notifications",
    "reelbox.messaging",
    "reelbox.captions",
    "reelbox.studio",
    "reelbox.moderation",
    "reelbox.discovery",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads the body (CSRF reads forms), after the language is known for its message.
    "reelbox.core.middleware.BodyLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "reelbox.accounts.language.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "reelbox.core.middleware.DeviceIdMiddleware",
    "reelbox.core.ratelimit.RateLimitHeadersMiddleware",
]

ROOT_URLCONF = "reelbox.urls"
ASGI_APPLICATION = "reelbox.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "feed:home"
LOGOUT_REDIRECT_URL = "feed:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reelbox.core.context.live",
                "reelbox.moderation.context.announcement",
            ],
        },
    },
]


def _databases() -> dict:
    # Connections are kept between requests, on SQLite too: opening one reads and parses the whole schema
    # and closing one checkpoints the WAL, which together took a third of a personal For You page's CPU when
    # every request did both (py-spy under bench/feed_scale.py's load). A file has no server to time out,
    # so SQLite's are kept for good; PostgreSQL's are renewed every minute. Not under ASGI (reelbox/asgi.py).
    db = dj_database_url.parse(CONFIG.database_url, conn_max_age=None if CONFIG.is_sqlite else 60)
    if CONFIG.is_sqlite:
        # A server and a worker write at once: WAL, a long busy timeout and
        # IMMEDIATE transactions so writers queue instead of failing mid-way.
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
            ),
        }
        # Tests use a file, not :memory:, so a worker process can share it.
        db["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    else:
        db["TEST"] = {"NAME": f"test_reelbox_{urlparse(CONFIG.database_url).path.strip('/') or 'db'}"}
    return {"default": db}


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = ["reelbox.accounts.hashers.Argon2idHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "reelbox.accounts.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]

if CONFIG.redis_url:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CONFIG.redis_url}}
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [CONFIG.redis_url]}}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "reelbox"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CONFIG.production
CSRF_COOKIE_SECURE = CONFIG.production
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Internationalisation: every user-visible string is translatable.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("zh-hant", _("Traditional Chinese")),
    ("es", _("Spanish")),
    ("pt-br", _("Brazilian Portuguese")),
    ("hi", _("Hindi")),
    ("id", _("Indonesian")),
    ("ar", _("Arabic")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve app static files straight from the package: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = CONFIG.media_dir

if CONFIG.storage.startswith("s3://"):
    _s3 = urlparse(CONFIG.storage)
    _default_storage = {
        "BACKEND": "reelbox.core.s3.MediaS3Storage",
        "OPTIONS": {
            "bucket_name": _s3.netloc,
            "location": _s3.path.strip("/"),
            "endpoint_url": CONFIG.s3_endpoint_url,
            "querystring_auth": False,
            "file_overwrite": True,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads larger than this spool to disk instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "tmp")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "transcode"],
    }
}

REELBOX = {
    "MAX_UPLOAD_BYTES": CONFIG.max_upload_mb * 1024 * 1024,
    "MAX_DURATION_S": CONFIG.max_duration_s,
    "TRANSCODE_CONCURRENCY": CONFIG.transcode_concurrency,
    "TRANSCODE_PASSES": CONFIG.transcode_passes,
    "FFMPEG_THREADS": CONFIG.ffmpeg_threads,
    "STALE_JOB_S": CONFIG.stale_job_s,
    # The For You recommender (reelbox.feed.recommender); docs/configuration.md.
    "RECSYS": {
        "RETRAIN_S": CONFIG.recsys_retrain_s,
        "RELOAD_S": CONFIG.recsys_reload_s,
        "HISTORY_EVENTS": CONFIG.recsys_history_events,
        "EXPLORATION_SHARE": CONFIG.recsys_exploration_share,
        "COLD_EXPLORATION_SHARE": CONFIG.recsys_cold_exploration_share,
        "ENGINE": CONFIG.recsys_config,
        # Oldest events a retrain reads, and at most how many (newest first).
        "TRAIN_DAYS": 60,
        "TRAIN_MAX_EVENTS": 2_000_000,
        "KEEP_VERSIONS": 3,
    },
    # WebSockets (reelbox.core.consumers): a public ws(s):// URL of /ws/, or the
    # port `reelbox run` serves them on (pages connect to the same host).
    "WS_URL": CONFIG.ws_url,
    "WS_PORT": CONFIG.ws_port,
    # Captions, automatic captions and translation (reelbox.captions); docs/configuration.md.
    "AUTO_CAPTIONS": CONFIG.auto_captions,
    "TRANSLATE": {"BACKEND": CONFIG.translate_backend, "URL": CONFIG.translate_url,
                  "API_KEY": CONFIG.translate_api_key},
    # Places a video in the viewer's UI language moves up in For You (0 leaves feeds language-blind).
    "FEED_LANGUAGE_BOOST": CONFIG.feed_language_boost,
    # Caption files larger than this are refused.
    "MAX_CAPTION_BYTES": 512 * 1024,
    # "layer" or "poll" to force how consumers learn of new events; empty: by the channel layer.
    "LIVE_MODE": "",
    # Hashtags, challenges, trends and search (reelbox.discovery).
    "DISCOVERY": {
        # Trends: recomputed by the worker's sweep this often; hourly counts over WINDOW_H hours, the recent
        # rate decays with RECENT_HALF_LIFE_H and is compared with the item's own rate before RECENT_H.
        "TRENDS_S": 300, "WINDOW_H": 168, "RECENT_H": 6, "RECENT_HALF_LIFE_H": 3.0, "MIN_RECENT": 3,
        "TRENDS_PER_SCOPE": 30,
        # For You: added to the ranking affinity of a challenge's entries, and of a featured challenge's.
        "CHALLENGE_BOOST": 0.0, "FEATURED_BOOST": 0.3,
        "WINNERS": 3,
        # Engagement (leaderboards, search ranking): completion-weighted views + weights x likes, shares.
        "LIKE_WEIGHT": 2.0, "SHARE_WEIGHT": 3.0,
    },
    # Mastodon's defaults: (requests, window seconds).
    "RATE_LIMITS": {
        "signup": (5, 30 * 60),
        "login": (10, 5 * 60),
        "upload": (30, 30 * 60),
        "comment": (30, 60),
        "share": (60, 60),
        "message": (30, 60),
        # Studio renders (previews, re-rolls, publishing): each costs seconds of CPU.
        "render": (60, 10 * 60),
        "api": (300, 5 * 60),
        "search": (120, 60),
        "report": (30, 60 * 60),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "reelbox": {"handlers": ["console"], "level": "INFO"},
        "django_tasks_db": {"handlers": ["console"], "level": "WARNING"},
    },
}
