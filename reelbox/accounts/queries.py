"""Permission-aware reads for accounts."""

from __future__ import annotations

from django.contrib.auth import authenticate

from reelbox.accounts.models import ApiToken, User, shown_name
from reelbox.social import queries as social_queries


def person(user: User) -> dict:
    """A user as every other domain shows them (an author, a commenter, a message sender): public fields only."""
    return person_of(user.username, user.display_name, user.avatar.name)


def person_of(username: str, display_name: str, avatar: str | None) -> dict:
    """``person`` from the columns (``avatar`` as stored: a name in the avatar field's storage)."""
    return {"username": username, "display_name": shown_name(username, display_name),
            "avatar_url": User._meta.get_field("avatar").storage.url(avatar) if avatar else None}


def access_profile(viewer, username: str) -> User | None:
    """The profile ``viewer`` may see, or None: absent, deactivated and blocked (either way) look the same.

    A private account's profile (name, avatar, counts) stays visible; its
    videos and lists are for accepted followers (``can_see_content``).
    """
    user = User.objects.filter(username__iexact=username, is_active=True).first()
    if user is None or social_queries.is_blocked_between(viewer, user):
        return None
    return user


def can_see_content(viewer, user: User) -> bool:
    """Whether ``viewer`` may see a visible profile's videos and follower lists."""
    if not user.is_private:
        return True
    if viewer is not None and viewer.is_authenticated and (viewer.pk == user.pk or viewer.is_staff):
        return True
    return social_queries.is_following(viewer, user)


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

