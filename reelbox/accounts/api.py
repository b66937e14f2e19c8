from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from reelbox.accounts import actions, queries
from reelbox.core import ratelimit, regions
from reelbox.core.auth import TokenOrSession, bearer_token, resolve_user
from reelbox.core.errors import ApiError, NotFound, PermissionDenied
from reelbox.social import queries as social_queries

router = Router(tags=["accounts"])


class SignupIn(Schema):
    username: str
    password: str
    email: str
    # ISO 3166-1 alpha-2 country ("BR"); "" for none. Omitted: taken from Accept-Language ("pt-BR" -> BR).
    region: str | None = None


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class RelationOut(Schema):
    # The viewer's follow of this account: "accepted", "pending" or None.
    follow: str | None
    follows_you: bool
    blocked: bool
    muted: bool


class PersonOut(Schema):
    """A user as other domains show them: ``queries.person``."""

    username: str
    display_name: str
    avatar_url: str | None


class ProfileOut(PersonOut):
    bio: str
    is_private: bool = False
    follower_count: int = 0
    following_count: int = 0
    viewer: RelationOut | None = None


class MeOut(ProfileOut):
    """The signed-in person's own profile: also what only they see."""

    # ISO 3166-1 alpha-2 country, "" when not set.
    region: str


class ProfileUpdate(Schema):
    display_name: str | None = None
    bio: str | None = None
    # A country code ("BR", any case), or "" to unset.
    region: str | None = None


def profile_out(user, viewer=None) -> dict:
    out = queries.person(user) | {
        "bio": user.bio,
        "is_private": user.is_private,
        "follower_count": user.follower_count,
        "following_count": user.following_count,
    }
    if viewer is not None and viewer.is_authenticated and viewer.pk != user.pk:
        out["viewer"] = social_queries.relation(viewer, user)
    return out


def me_out(user) -> dict:
    return profile_out(user) | {"region": user.region}


@router.post("/auth/signup", auth=None, response={201: TokenOut})
def signup(request, payload: SignupIn):
    ratelimit.hit(request, "signup", ratelimit.client_ip(request))
    region = payload.region
    if region is None:
        region = regions.from_accept_language(request.headers.get("Accept-Language"))
    user = actions.signup(username=payload.username, email=payload.email, password=payload.password,
                          region=region)
    return Status(201, {"token": actions.issue_token(user)})


@router.post("/auth/token", auth=None, response=TokenOut)
def token(request, payload: TokenIn):
    ratelimit.hit(request, "login", ratelimit.client_ip(request))
    user = queries.check_credentials(payload.username, payload.password)
    if user is None:
        raise ApiError(_("Wrong username or password."), "invalid_credentials", status=401)
    return {"token": actions.issue_token(user)}


@router.delete("/auth/token", auth=TokenOrSession(), response={204: None})
def revoke(request):
    key = bearer_token(request)
    if key:
        actions.revoke_token(key)
    return Status(204, None)


@router.get("/me", auth=TokenOrSession(), response=MeOut)
def me(request):
    return me_out(request.auth)


@router.patch("/me", auth=TokenOrSession(), response=MeOut)
def update_me(request, payload: ProfileUpdate):
    return me_out(actions.update_profile(request.auth, display_name=payload.display_name, bio=payload.bio,
                                         region=payload.region))


@router.post("/me/avatar", auth=TokenOrSession(), response=MeOut)
def update_avatar(request, avatar: File[UploadedFile]):
    return me_out(actions.update_profile(request.auth, avatar=avatar))


def visible_profile(viewer, username: str, *, content: bool = False):
    """The profile for an endpoint: 404 when absent or blocked; with ``content`` (its videos, its lists),
    403 when the account is private and the viewer does not follow it."""
    user = queries.access_profile(viewer, username)
    if user is None:
        raise NotFound(_("No such user."), "not_found")
    if content and not queries.can_see_content(viewer, user):
        raise PermissionDenied(_("This account is private."), "private_account")
    return user


@router.get("/users/{username}", auth=None, response=ProfileOut)
def profile(request, username: str):
    viewer = resolve_user(request)
    return profile_out(visible_profile(viewer, username), viewer)
