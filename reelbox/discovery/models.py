from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reelbox.core.ids import public_id


class Hashtag(models.Model):
    # The matching form (reelbox.discovery.hashtags.normalize); ``display`` is how it was first written.
    name = models.CharField(max_length=150, unique=True)
    display = models.CharField(max_length=150)
    # Links to videos in any state, kept with F() by actions and recounted by the trends sweep.
    video_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["-video_count"], name="hashtag_popular")]

    def __str__(self) -> str:
        return f"#{self.display}"


class VideoHashtag(models.Model):
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="hashtag_links")
    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE, related_name="video_links")
    # The video's creation time, copied so a tag's newest videos are one index range.
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["video", "hashtag"], name="videohashtag_unique")]
        indexes = [models.Index(fields=["hashtag", "-created_at"], name="videohashtag_newest")]


class Brand(models.Model):
    """An account a brand runs: it may sponsor challenges and create its own (granted by staff)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="brand")
    website = models.URLField(blank=True)
    can_create_challenges = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.user.username


class Challenge(models.Model):
    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    hashtag = models.ForeignKey(Hashtag, on_delete=models.PROTECT, related_name="challenges")
    title = models.CharField(_("title"), max_length=100)
    rules = models.TextField(_("rules"), blank=True)
    cover = models.ImageField(_("cover"), upload_to="challenges/", blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    sponsor = models.ForeignKey(Brand, null=True, blank=True, on_delete=models.SET_NULL, related_name="challenges")
    sound = models.ForeignKey("studio.Sound", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Shown first on Discover and boosted in For You (REELBOX["DISCOVERY"]["FEATURED_BOOST"]).
    featured = models.BooleanField(_("featured"), default=False, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once, when the winners were frozen after the end.
    finalized_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["ends_at"], name="challenge_ends")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must come after the start.")})


class ChallengeWinner(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="winners")
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["challenge", "rank"], name="challengewinner_rank_unique")]
        ordering = ["rank"]


class Trend(models.Model):
    """One trending item in a scope, as the last recompute left it (the worker replaces a scope at once)."""

    class Kind(models.TextChoices):
        HASHTAG = "hashtag"
        SOUND = "sound"
        VIDEO = "video"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    # "global", a language tag ("en", "zh-hans"; "und" for videos of unknown language), or "region:XX" (a
    # country, reelbox.core.regions).
    scope = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()
    recent = models.FloatField(help_text="decayed hourly rate over the last hours")
    baseline = models.FloatField(help_text="the item's own hourly rate before")
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["kind", "scope", "rank"], name="trend_scope_rank")]


class SearchDoc(models.Model):
    """One searchable thing. Its text columns hold encoded terms (reelbox.discovery.text); the database's
    full-text index over them (FTS5 table on SQLite, a generated tsvector on PostgreSQL) is built by
    migration 0002 and kept in step by the database itself."""

    class Kind(models.TextChoices):
        VIDEO = "video"
        USER = "user"
        SOUND = "sound"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    video = models.OneToOneField("videos.Video", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+")
    sound = models.OneToOneField("studio.Sound", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    title = models.TextField(blank=True)
    tags = models.TextField(blank=True)
    extra = models.TextField(blank=True)
    # 1 + ln(1 + engagement): relevance is multiplied by it.
    weight = models.FloatField(default=1.0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["kind"], name="searchdoc_kind")]


class SearchTerm(models.Model):
    """The indexed vocabulary (readable folded words), for typo corrections."""

    term = models.CharField(max_length=40, unique=True)
    df = models.IntegerField(default=0)
