"""Trust and safety tables. Other domains keep only a ``moderation`` state on their rows; everything else
(standing, rules, banks, reports, cases, decisions, appeals, the audit log, switches) lives here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reelbox.core.ids import public_id

USER = settings.AUTH_USER_MODEL


class Category(models.TextChoices):
    VIOLENCE = "violence", _("Violence")
    HATE = "hate", _("Hate")
    HARASSMENT = "harassment", _("Harassment or bullying")
    SEXUAL = "sexual", _("Sexual content")
    CHILD_SAFETY = "child_safety", _("Child safety")
    SPAM = "spam", _("Spam")
    MISLEADING = "misleading", _("Misleading")
    PRIVACY = "privacy", _("Privacy")
    IP = "intellectual_property", _("Intellectual property")
    SELF_HARM = "self_harm", _("Self-harm")
    OTHER = "other", _("Other")


# How bad a suspected category is: orders the queue and sets its SLA.
SEVERITY = {"child_safety": 10, "violence": 8, "self_harm": 8, "sexual": 7, "hate": 7, "harassment": 5,
            "privacy": 5, "misleading": 4, "intellectual_property": 3, "spam": 2, "other": 1}


class Target(models.TextChoices):
    VIDEO = "video", _("video")
    COMMENT = "comment", _("comment")
    ACCOUNT = "account", _("account")
    MESSAGE = "message", _("message")


class Action(models.TextChoices):
    # Content
    APPROVE = "approve", _("approved")
    HOLD = "hold", _("held for review")
    AGE_RESTRICT = "age_restrict", _("age-restricted")
    LIMIT = "limit", _("reach limited")
    BLOCK = "block", _("blocked")
    REMOVE = "remove", _("removed")
    LABEL = "label", _("labelled")
    RESTORE = "restore", _("restored")
    # Accounts
    WARN = "warn", _("warned")
    STRIKE = "strike", _("strike")
    SUSPEND = "suspend", _("suspended")
    BAN = "ban", _("banned")
    # An upheld appeal
    REVERSE = "reverse", _("reversed on appeal")


CONTENT_ACTIONS = {"approve", "hold", "age_restrict", "limit", "block", "remove", "label", "restore"}
ACCOUNT_ACTIONS = {"warn", "strike", "suspend", "ban"}


class Standing(models.Model):
    """An account's record with moderation: strikes, suspension, ban. No row means a clean record."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, primary_key=True, related_name="+")
    strikes = models.PositiveIntegerField(default=0)
    suspended_until = models.DateTimeField(null=True, blank=True)
    banned = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)


class SiteControl(models.Model):
    """The one row of admin switches (pk=1): crisis kill switches, the banner, review policy."""

    uploads_paused = models.BooleanField(default=False)
    comments_paused = models.BooleanField(default=False)
    announcement = models.TextField(blank=True)
    review_uploads = models.BooleanField(default=True, help_text="Run automatic review on every upload.")
    hold_untrusted_below = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Hold uploads from accounts whose trust level is below this (0-3).")
    rules_seeded = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)


class Rule(models.Model):
    """A label whose score reaches ``threshold`` leads to ``outcome`` (the most severe matching rule wins)."""

    class Outcome(models.TextChoices):
        APPROVE = "approve", _("approve")
        HOLD = "hold", _("hold for review")
        AGE_RESTRICT = "age_restrict", _("age-restrict")
        LIMIT = "limit", _("limit reach")
        BLOCK = "block", _("block")

    label = models.CharField(max_length=60)
    threshold = models.FloatField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    min_trust = models.PositiveSmallIntegerField(null=True, blank=True,
                                                 help_text="Apply only below this trust level (blank: always).")
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["label", "threshold"]

    def __str__(self) -> str:
        return f"{self.label} >= {self.threshold} -> {self.outcome}"


class WatchedWord(models.Model):
    pattern = models.CharField(max_length=200)
    is_regex = models.BooleanField(default=False)
    label = models.CharField(max_length=60, default="watched_word")
    language = models.CharField(max_length=16, blank=True, help_text="BCP 47 tag; blank: every language.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.pattern


class HashBank(models.Model):
    class Mode(models.TextChoices):
        SHADOW = "shadow", _("shadow (log only)")
        ENFORCE = "enforce", _("enforce")
        ROLLOUT = "rollout", _("rollout")

    name = models.CharField(max_length=80, unique=True)
    category = models.CharField(max_length=24, choices=Category.choices, default=Category.OTHER)
    outcome = models.CharField(max_length=16, choices=Rule.Outcome.choices, default=Rule.Outcome.BLOCK)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.SHADOW)
    rollout_ratio = models.FloatField(default=0.0, help_text="In rollout mode: the share of uploads enforced.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class BankEntry(models.Model):
    """One PDQ hash; the hashes of one banked video share a ``key`` (a video matches on the share of frames)."""

    bank = models.ForeignKey(HashBank, on_delete=models.CASCADE, related_name="entries")
    hash_hex = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, default="image")  # "video" | "image"
    key = models.CharField(max_length=80)
    label = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bank", "key", "hash_hex"], name="bank_entry_unique")]


class VideoScan(models.Model):
    """What automatic review saw in a video: kept for the queue, bulk bank matches and the audit."""

    video = models.OneToOneField("videos.Video", on_delete=models.CASCADE, primary_key=True, related_name="+")
    labels = models.JSONField(default=dict)
    hashes = models.JSONField(default=list)  # PDQ hex of the sampled frames
    matches = models.JSONField(default=list)
    unavailable = models.JSONField(default=dict)
    outcome = models.CharField(max_length=16, blank=True)
    seconds = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)


class Case(models.Model):
    """One queue item: a piece of content or an account awaiting a human decision."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    target_type = models.CharField(max_length=8, choices=Target.choices)
    target_id = models.CharField(max_length=40)
    owner = models.ForeignKey(USER, null=True, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    category = models.CharField(max_length=24, choices=Category.choices, default=Category.OTHER)
    priority = models.FloatField(default=0.0, db_index=True)
    report_count = models.PositiveIntegerField(default=0)
    signals = models.JSONField(default=dict)  # automatic labels and scores, bank matches
    source = models.CharField(max_length=16, default="notice")  # notice | own_initiative | trusted_flagger
    opened_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["target_type", "target_id"], condition=Q(state="open"),
                                               name="case_one_open_per_target")]
        indexes = [models.Index(fields=["state", "-priority", "opened_at"], name="case_queue")]


class Report(models.Model):
    reporter = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    target_type = models.CharField(max_length=8, choices=Target.choices)
    target_id = models.CharField(max_length=40)
    category = models.CharField(max_length=24, choices=Category.choices)
    text = models.TextField(blank=True)
    case = models.ForeignKey(Case, null=True, on_delete=models.SET_NULL, related_name="reports")
    outcome = models.CharField(max_length=16, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # One open report per reporter and target: reporting twice is idempotent.
        constraints = [models.UniqueConstraint(fields=["reporter", "target_type", "target_id"],
                                               condition=Q(resolved_at__isnull=True), name="report_once_open")]


class Decision(models.Model):
    """A statement of reasons (EU DSA art. 17 fields), written for every action, human or automatic."""

    class Ground(models.TextChoices):
        TERMS = "terms", _("incompatible with the terms of service")
        ILLEGAL = "illegal", _("illegal content")

    class Automated(models.TextChoices):
        FULLY = "fully", _("fully automated")
        PARTIALLY = "partially", _("partially automated")
        NOT = "not", _("not automated")

    puid = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions")
    target_type = models.CharField(max_length=8, choices=Target.choices)
    target_id = models.CharField(max_length=40)
    user = models.ForeignKey(USER, null=True, on_delete=models.CASCADE, related_name="+")  # the affected user
    moderator = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    # DSA: restriction types, ground, explanation, category, facts, source, automation, dates, scope.
    decision_visibility = models.CharField(max_length=40, blank=True)
    decision_account = models.CharField(max_length=40, blank=True)
    decision_monetary = models.CharField(max_length=40, blank=True)
    decision_provision = models.CharField(max_length=40, blank=True)
    decision_ground = models.CharField(max_length=8, choices=Ground.choices, default=Ground.TERMS)
    explanation = models.TextField(blank=True)
    category = models.CharField(max_length=24, choices=Category.choices, default=Category.OTHER)
    content_type = models.CharField(max_length=16, blank=True)
    content_date = models.DateTimeField(null=True, blank=True)
    application_date = models.DateTimeField(auto_now_add=True)
    facts = models.TextField(blank=True)
    source_type = models.CharField(max_length=16, default="own_initiative")
    automated_detection = models.BooleanField(default=False)
    automated_decision = models.CharField(max_length=10, choices=Automated.choices, default=Automated.NOT)
    territorial_scope = models.CharField(max_length=200, default="worldwide")
    label = models.CharField(max_length=120, blank=True)
    end_date = models.DateTimeField(null=True, blank=True)  # a suspension's end; blank: indefinite
    # What the action changed, so an upheld appeal can undo exactly that.
    previous = models.JSONField(default=dict)
    reversed_by = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="reverses")

    class Meta:
        indexes = [models.Index(fields=["user", "-application_date"], name="decision_user"),
                   models.Index(fields=["target_type", "target_id"], name="decision_target")]


class Appeal(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        UPHELD = "upheld", _("upheld: the decision was reversed")
        REJECTED = "rejected", _("rejected: the decision stands")

    decision = models.OneToOneField(Decision, on_delete=models.CASCADE, related_name="appeal")
    appellant = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reviewer = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reply = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)


class Notice(models.Model):
    """What moderation tells a person: a decision about them, a report's outcome, an appeal's outcome."""

    class Kind(models.TextChoices):
        DECISION = "decision", _("decision")
        REPORT_OUTCOME = "report_outcome", _("report outcome")
        APPEAL_OUTCOME = "appeal_outcome", _("appeal outcome")

    recipient = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="notices")
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["recipient", "-id"], name="notice_recipient")]


class AppendOnly(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("the audit log is append-only")

    def delete(self):
        raise AppendOnly("the audit log is append-only")


class AuditEntry(models.Model):
    """Append-only: the model refuses updates and deletes, and database triggers (migration 0002) refuse
    them to raw SQL too (on SQLite, updates only)."""

    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
                              related_name="+")
    action = models.CharField(max_length=40)
    target_type = models.CharField(max_length=8, blank=True)
    target_id = models.CharField(max_length=40, blank=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditQuerySet.as_manager()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("the audit log is append-only")
