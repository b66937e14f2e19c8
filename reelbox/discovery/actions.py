"""Every write of the discovery domain: challenges, brands, frozen winners, trends."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reelbox.core.errors import ApiError, PermissionDenied
from reelbox.discovery import hashtags as tags_mod
from reelbox.discovery.models import Brand, Challenge, ChallengeWinner, Hashtag

log = logging.getLogger("reelbox.discovery")

MAX_TITLE, MAX_RULES = 100, 4000


def can_create_challenges(user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user.is_staff or Brand.objects.filter(user=user, can_create_challenges=True).exists()


def _hashtag(value: str) -> Hashtag:
    name = tags_mod.clean(value or "")
    if name is None:
        raise ApiError(_("hashtag: one hashtag of letters, digits or underscores, like #dance."), "invalid_hashtag")
    tag, _created = Hashtag.objects.get_or_create(name=name, defaults={"display": (value or "").strip().lstrip("#＃")})
    return tag


def _sponsor(user, username: str | None) -> Brand | None:
    if not username:
        return None
    brand = Brand.objects.select_related("user").filter(user__username__iexact=username.lstrip("@"),
                                                        user__is_active=True).first()
    if brand is None:
        raise ApiError(_("sponsor: no brand account with this name."), "invalid_sponsor")
    if not user.is_staff and brand.user_id != user.pk:
        raise PermissionDenied(_("sponsor: a brand may only sponsor its own challenges."), "forbidden")
    return brand


def _sound(sound_id: str | None):
    if not sound_id:
        return None
    from reelbox.studio.models import Sound

    sound = Sound.objects.filter(public_id=sound_id).first()
    if sound is None:
        raise ApiError(_("sound_id: no such sound."), "invalid_sound")
    return sound


def _check_text(title: str, rules: str) -> tuple[str, str]:
    title, rules = (title or "").strip(), (rules or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise ApiError(_("title: between 1 and %(max)d characters.") % {"max": MAX_TITLE}, "invalid_title")
    if len(rules) > MAX_RULES:
        raise ApiError(_("rules: at most %(max)d characters.") % {"max": MAX_RULES}, "invalid_rules")
    return title, rules


def _check_dates(starts_at: datetime, ends_at: datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ApiError(_("starts_at: give dates with a time zone (e.g. 2026-05-01T12:00:00Z)."), "invalid_date")
    if ends_at <= starts_at:
        raise ApiError(_("ends_at: the end must come after the start."), "invalid_ends_at")


def create_challenge(user, *, hashtag: str, title: str, rules: str = "", starts_at: datetime, ends_at: datetime,
                     sponsor: str | None = None, sound_id: str | None = None, featured: bool = False) -> Challenge:
    if not can_create_challenges(user):
        raise PermissionDenied(_("Only staff and brand accounts can create challenges."), "forbidden")
    title, rules = _check_text(title, rules)
    _check_dates(starts_at, ends_at)
    if featured and not user.is_staff:
        raise PermissionDenied(_("featured: only staff feature challenges."), "forbidden")
    brand = _sponsor(user, sponsor)
    if brand is None and not user.is_staff:
        brand = Brand.objects.get(user=user)  # a brand's own challenge is sponsored by it
    sound = _sound(sound_id)
    with transaction.atomic():
        tag = _hashtag(hashtag)
        overlapping = Challenge.objects.filter(hashtag=tag, starts_at__lt=ends_at, ends_at__gt=starts_at)
        if overlapping.exists():
            raise ApiError(_("hashtag: another challenge uses this hashtag at the same time."), "hashtag_taken",
                           status=409)
        challenge = Challenge.objects.create(hashtag=tag, title=title, rules=rules, starts_at=starts_at,
                                             ends_at=ends_at, sponsor=brand, sound=sound, featured=featured,
                                             created_by=user)
    log.info("challenge %s (#%s) created by %s", challenge.public_id, tag.name, user.pk)
    return challenge


def _may_edit(user, challenge: Challenge) -> bool:
    return user.is_staff or (challenge.sponsor is not None and challenge.sponsor.user_id == user.pk)


def update_challenge(user, challenge: Challenge, *, title: str | None = None, rules: str | None = None,
                     starts_at: datetime | None = None, ends_at: datetime | None = None,
                     featured: bool | None = None) -> Challenge:
    if not _may_edit(user, challenge):
        raise PermissionDenied(_("You cannot change this challenge."), "forbidden")
    if featured is not None and not user.is_staff:
        raise PermissionDenied(_("featured: only staff feature challenges."), "forbidden")
    if challenge.finalized_at is not None and (starts_at or ends_at):
        raise ApiError(_("ends_at: the challenge is over and its winners are final."), "challenge_over")
    challenge.title, challenge.rules = _check_text(title if title is not None else challenge.title,
                                                   rules if rules is not None else challenge.rules)
    challenge.starts_at = starts_at or challenge.starts_at
    challenge.ends_at = ends_at or challenge.ends_at
    _check_dates(challenge.starts_at, challenge.ends_at)
    if featured is not None:
        challenge.featured = featured
    challenge.save()
    return challenge


def set_cover(user, challenge: Challenge, upload) -> Challenge:
    from reelbox.accounts.actions import _check_avatar

    if not _may_edit(user, challenge):
        raise PermissionDenied(_("You cannot change this challenge."), "forbidden")
    try:
        _check_avatar(upload)
    except ApiError:
        raise ApiError(_("cover: this file is not an image under 5 MB."), "invalid_cover") from None
    old = challenge.cover.name if challenge.cover else ""
    challenge.cover.save(f"{challenge.public_id}.jpg", upload, save=True)
    if old and old != challenge.cover.name:
        transaction.on_commit(lambda: challenge.cover.storage.delete(old))
    return challenge


def finalize(challenge: Challenge, now=None) -> bool:
    """Freeze the winners of an ended challenge, once (row-locked: two sweeps never both write)."""
    from reelbox.discovery import queries

    now = now or timezone.now()
    if challenge.ends_at > now:
        return False
    with transaction.atomic():
        locked = Challenge.objects.select_for_update().get(pk=challenge.pk)
        if locked.finalized_at is not None:
            return False
        board = queries.leaderboard(None, locked, limit=settings.REELBOX["DISCOVERY"]["WINNERS"])
        ChallengeWinner.objects.bulk_create([ChallengeWinner(challenge=locked, video_id=e.video.pk, rank=i + 1,
                                                             score=e.score) for i, e in enumerate(board)])
        Challenge.objects.filter(pk=locked.pk).update(finalized_at=now)
    challenge.finalized_at = now
    log.info("challenge %s finalized with %d winners", challenge.public_id, len(board))
    return True


def finalize_ended(now=None) -> int:
    now = now or timezone.now()
    return sum(finalize(c, now) for c in Challenge.objects.filter(ends_at__lte=now, finalized_at__isnull=True))


def seed_demo_challenge() -> Challenge | None:
    """The demo's featured challenge on #dance (idempotent): the seed's dance clips are its entries."""
    from datetime import timedelta

    from reelbox.discovery.models import Hashtag

    tag = Hashtag.objects.filter(name="dance").first()
    if tag is None or Challenge.objects.filter(hashtag=tag).exists():
        return None
    now = timezone.now()
    return Challenge.objects.create(hashtag=tag, title=_("Dance week"), featured=True,
                                    rules=_("Post your best move with #dance. Most watched, liked and shared wins."),
                                    starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=14))
