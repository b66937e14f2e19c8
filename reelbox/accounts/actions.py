"""Every write to accounts goes through here: check, then write."""

from __future__ import annotations

import re
import secrets

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reelbox.accounts.models import ApiToken, User
from reelbox.core import regions
from reelbox.core.errors import ApiError

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.]{3,30}$")
RESERVED_USERNAMES = {"admin", "api", "static", "media", "v", "upload", "login", "logout", "signup", "settings"}
TOKEN_PREFIX = "rbx_"


def _check_username(username: str) -> str:
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise ApiError(
            _("username: use 3 to 30 letters, digits, dots or underscores."), "invalid_username"
        )
    if username.lower() in RESERVED_USERNAMES:
        raise ApiError(_("username: this name is reserved."), "invalid_username")
    if User.objects.filter(username__iexact=username).exists():
        raise ApiError(_("username: this name is taken."), "username_taken", status=409)
    return username


def _check_email(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ApiError(_("email: enter a valid e-mail address."), "invalid_email") from None
    return email


def _check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password or "", user)
    except ValidationError as exc:
        raise ApiError(_("password: %(reason)s") % {"reason": " ".join(exc.messages)}, "weak_password") from None


def signup(*, username: str, email: str, password: str, region: str = "") -> User:
    username = _check_username(username)
    email = _check_email(email)
    user = User(username=username, email=email, region=regions.check(region))
    _check_password(password, user)
    from reelbox.moderation import review

    # Usernames are words too: a blocked one is refused (400), a doubtful one goes to a moderator.
    verdict = review.check_text(None, username.replace("_", " ").replace(".", " "), field_name="username")
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # lost a race for the same name
        raise ApiError(_("username: this name is taken."), "username_taken", status=409) from None
    review.record_text(verdict, "account", user.username, user)
    return user


def issue_token(user: User) -> str:
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=ApiToken.hash_key(key))
    return key


def touch_token(token: ApiToken) -> None:
    # Only write when stale: a write per request would serialise SQLite.
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def revoke_token(key: str) -> None:
    ApiToken.objects.filter(key_hash=ApiToken.hash_key(key)).delete()


def update_profile(user: User, *, display_name: str | None = None, bio: str | None = None, avatar=None,
                   region: str | None = None) -> User:
    if region is not None:
        user.region = regions.check(region)
    if display_name is not None:
        display_name = display_name.strip()
        if len(display_name) > 50:
            raise ApiError(_("display_name: at most 50 characters."), "invalid_display_name")
        user.display_name = display_name
    if bio is not None:
        bio = bio.strip()
        if len(bio) > 300:
            raise ApiError(_("bio: at most 300 characters."), "invalid_bio")
        from reelbox.moderation import review

        bio_verdict = review.check_text(user, bio, field_name="bio")
        user.bio = bio
    if avatar is not None:
        _check_avatar(avatar)
        if user.avatar:
            user.avatar.delete(save=False)
        user.avatar.save(f"{user.pk}-{secrets.token_hex(4)}.jpg", avatar, save=False)
    user.save()
    if bio is not None:
        review.record_text(bio_verdict, "account", user.username, user)
    return user


def _check_avatar(upload) -> None:
    from PIL import Image, UnidentifiedImageError

    if upload.size > 5 * 1024 * 1024:
        raise ApiError(_("avatar: the image must be under 5 MB."), "invalid_avatar")
    try:
        with Image.open(upload) as img:
            if img.width * img.height > 40_000_000:  # decompression-bomb guard
                raise ApiError(_("avatar: the image is too large."), "invalid_avatar")
            img.verify()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ApiError(_("avatar: this file is not an image."), "invalid_avatar") from None
    upload.seek(0)
