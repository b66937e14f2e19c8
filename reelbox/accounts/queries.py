"""Permission-aware reads for accounts."""

from __future__ import annotations

from django.contrib.auth import authenticate

from reelbox.accounts.models import ApiToken, User


def access_profile(viewer, username: str) -> User | None:
    """The profile ``viewer`` may see, or None (private accounts and blocks arrive with the social domain)."""
    return User.objects.filter(username__iexact=username, is_active=True).first()


def user_for_token(key: str) -> tuple[User, ApiToken] | None:
    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
    if token is None or not token.user.is_active:
        return None
    return token.user, token


def check_credentials(username: str, password: str) -> User | None:
    # Names are unique case-insensitively, so log-in is too.
    user = User.objects.filter(username__iexact=(username or "").strip()).only("username").first()
    # authenticate() still runs for unknown names: it hashes a dummy password,
    # so response time does not reveal which usernames exist.
    return authenticate(username=user.username if user else username, password=password or "")

