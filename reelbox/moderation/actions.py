"""Every moderation write: reports, cases, decisions (statements of reasons), notices, appeals, switches.

One path applies an action, human or automatic: ``apply`` checks the target, changes its state, records what
it changed (so an upheld appeal can undo exactly that), writes the decision and its notices, and appends to
the audit log, in one transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from datetime import UTC

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reelbox.core.errors import ApiError, NotFound, PermissionDenied
from reelbox.moderation import policy
from reelbox.moderation.models import (
    ACCOUNT_ACTIONS, CONTENT_ACTIONS, Appeal, AuditEntry, Case, Category, Decision, Notice, Report, SiteControl,
    Standing, Target,
)
from reelbox.videos.models import Moderation, Video

log = logging.getLogger("reelbox.moderation")

FOREVER = datetime(9999, 1, 1, tzinfo=UTC)
MAX_REPORT_TEXT = 1000
MAX_EXPLANATION = 2000


# Switches and standing -----------------------------------------------------------------------------------


def control() -> SiteControl:
    row, _created = SiteControl.objects.get_or_create(pk=1)
    return row


def update_control(actor, **changes) -> SiteControl:
    row = control()
    fields = []
    for name in ("uploads_paused", "comments_paused", "announcement", "review_uploads", "hold_untrusted_below"):
        if name in changes:
            setattr(row, name, changes[name])
            fields.append(name)
    if fields:
        with transaction.atomic():
            row.save(update_fields=fields + ["updated_at"])
            audit(actor, "control", "", "", **{f: getattr(row, f) for f in fields})
        from reelbox.moderation.context import forget_banner

        forget_banner()
    return row


def audit(actor, action: str, target_type: str = "", target_id: str = "", **data) -> AuditEntry:
    """Append to the audit log; ``actor`` is a user, a user id, or None for the system."""
    actor_id = actor if isinstance(actor, int) else getattr(actor, "pk", None)
    return AuditEntry.objects.create(actor_id=actor_id, action=action, target_type=target_type,
                                     target_id=str(target_id), data=data)


def standing(user) -> Standing:
    row, _created = Standing.objects.get_or_create(user_id=user.pk)
    return row


def check_can_post(user) -> None:
    """Refuse writes from a suspended account (403 with the end date)."""
    row = Standing.objects.filter(user_id=user.pk, suspended_until__gt=timezone.now()).first()
    if row is None:
        return
    if row.suspended_until >= FOREVER:
        raise PermissionDenied(_("Your account is suspended. See your moderation notices to appeal."),
                               "account_suspended")
    raise PermissionDenied(
        _("Your account is suspended until %(date)s. See your moderation notices to appeal.")
        % {"date": row.suspended_until.strftime("%Y-%m-%d %H:%M UTC")}, "account_suspended")


def check_uploads_open(user=None) -> None:
    if control().uploads_paused:
        raise ApiError(_("Uploads are paused for now. Please try again later."), "uploads_paused", status=503)
    if user is not None:
        check_can_post(user)


def check_comments_open(user=None) -> None:
    if control().comments_paused:
        raise ApiError(_("Comments are paused for now. Please try again later."), "comments_paused", status=503)
    if user is not None:
        check_can_post(user)


# Targets -------------------------------------------------------------------------------------------------


def _target_for_reporter(reporter, target_type: str, target_id: str):
    """(object, owner) the reporter can see; 404 otherwise (absent and hidden look the same)."""
    from reelbox.accounts import queries as account_queries
    from reelbox.messaging.models import Message
    from reelbox.messaging import queries as messaging_queries
    from reelbox.social import queries as social_queries
    from reelbox.videos import queries as video_queries

    found = None
    if target_type == Target.VIDEO:
        video = video_queries.access_video(reporter, str(target_id), media=False)
        found = (video, video.author) if video is not None else None
    elif target_type == Target.COMMENT:
        comment = social_queries.access_comment(reporter, _int(target_id)) if _int(target_id) else None
        found = (comment, comment.author) if comment is not None else None
    elif target_type == Target.ACCOUNT:
        user = account_queries.access_profile(reporter, str(target_id))
        found = (user, user) if user is not None else None
    elif target_type == Target.MESSAGE:
        message = Message.objects.select_related("sender").filter(pk=_int(target_id) or 0).first()
        if message is not None and messaging_queries.access_conversation(reporter, message.conversation_id):
            found = (message, message.sender)
    else:
        raise ApiError(_("target_type: one of %(choices)s.") % {"choices": ", ".join(Target.values)},
                       "invalid_target_type")
    if found is None:
        raise NotFound(_("No such %(what)s.") % {"what": Target(target_type).label}, "not_found")
    return found


def target_for_staff(target_type: str, target_id: str):
    """(object, owner) whatever its state, for moderators; None when it is gone."""
    from reelbox.accounts.models import User
    from reelbox.messaging.models import Message
    from reelbox.social.models import Comment

    if target_type == Target.VIDEO:
        obj = Video.objects.select_related("author").filter(public_id=str(target_id)).first()
        return (obj, obj.author) if obj else None
    if target_type == Target.COMMENT:
        obj = Comment.objects.select_related("author", "video").filter(pk=_int(target_id) or 0).first()
        return (obj, obj.author) if obj else None
    if target_type == Target.ACCOUNT:
        obj = User.objects.filter(username__iexact=str(target_id)).first()
        return (obj, obj) if obj else None
    if target_type == Target.MESSAGE:
        obj = Message.objects.select_related("sender").filter(pk=_int(target_id) or 0).first()
        return (obj, obj.sender) if obj else None
    return None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _reach(target_type: str, obj) -> int:
    return getattr(obj, "view_count", 0) if target_type == Target.VIDEO else getattr(obj, "follower_count", 0)


# Reports and cases ---------------------------------------------------------------------------------------


def open_case(target_type: str, target_id: str, owner, *, category: str, source: str, signals: dict | None = None,
              reach: int = 0) -> Case:
    """The open case for a target, created or raised: at most one per target (a partial unique index)."""
    case = Case.objects.select_for_update().filter(target_type=target_type, target_id=target_id,
                                                   state=Case.State.OPEN).first()
    now = timezone.now()
    if case is None:
        try:
            with transaction.atomic():
                case = Case.objects.create(target_type=target_type, target_id=target_id, owner=owner,
                                           category=category, source=source, signals=signals or {},
                                           due_at=now + policy.sla(category),
                                           priority=policy.priority(category, 0, reach))
            audit(None, "case_opened", target_type, target_id, case=case.pk, category=category, source=source)
            return case
        except IntegrityError:  # opened by a racing request
            case = Case.objects.select_for_update().get(target_type=target_type, target_id=target_id,
                                                        state=Case.State.OPEN)
    # A more severe suspicion raises the case's category (and tightens its SLA).
    if policy.SEVERITY.get(category, 1) > policy.SEVERITY.get(case.category, 1):
        case.category = category
        case.due_at = min(case.due_at, case.opened_at + policy.sla(category))
    if signals:
        case.signals = {**case.signals, **signals}
    case.save(update_fields=["category", "due_at", "signals"])
    return case


def _refresh_priority(case: Case, reach: int) -> None:
    count = case.reports.filter(resolved_at__isnull=True).count()
    Case.objects.filter(pk=case.pk).update(report_count=count,
                                           priority=policy.priority(case.category, count, reach))


def report(reporter, *, target_type: str, target_id: str, category: str, text: str = "") -> tuple[Report, bool]:
    """File a report; (report, created). Reporting the same target again while open returns the first one."""
    if category not in Category.values:
        raise ApiError(_("category: one of %(choices)s.") % {"choices": ", ".join(Category.values)},
                       "invalid_category")
    text = (text or "").strip()
    if len(text) > MAX_REPORT_TEXT:
        raise ApiError(_("text: at most %(max)d characters.") % {"max": MAX_REPORT_TEXT}, "invalid_text")
    obj, owner = _target_for_reporter(reporter, target_type, target_id)
    key = obj.username if target_type == Target.ACCOUNT else (obj.public_id if target_type == Target.VIDEO
                                                              else str(obj.pk))
    if owner is not None and owner.pk == reporter.pk:
        raise ApiError(_("You cannot report your own content."), "report_self")
    existing = Report.objects.filter(reporter=reporter, target_type=target_type, target_id=key,
                                     resolved_at__isnull=True).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            case = open_case(target_type, key, owner, category=category, source="notice", reach=_reach(target_type, obj))
            row = Report.objects.create(reporter=reporter, target_type=target_type, target_id=key,
                                        category=category, text=text, case=case)
            _refresh_priority(case, _reach(target_type, obj))
            audit(reporter, "report", target_type, key, report=row.pk, category=category)
    except IntegrityError:  # the same reporter, twice at once
        return Report.objects.get(reporter=reporter, target_type=target_type, target_id=key,
                                  resolved_at__isnull=True), False
    return row, True


# Decisions -----------------------------------------------------------------------------------------------


def _set_content_state(target_type: str, obj, state: str) -> None:
    from reelbox.feed.queries import forget_lists
    from reelbox.social.models import Comment
    from reelbox.videos import queries as video_queries

    if target_type == Target.VIDEO:
        Video.objects.filter(pk=obj.pk).update(moderation=state)
        # For You's ranked pages follow the audience log; its shared lists are rebuilt here at once.
        video_queries.forget(obj.pk)
        forget_lists()
    elif target_type == Target.COMMENT:
        Comment.objects.filter(pk=obj.pk).update(moderation=state)
    obj.moderation = state


def _apply_account(action: str, user, days: int | None) -> tuple[dict, datetime | None]:
    """Change the account's standing; returns (what to restore on reversal, end date)."""
    from reelbox.accounts.models import User

    row = Standing.objects.select_for_update().get_or_create(user_id=user.pk)[0]
    previous = {"strikes": row.strikes, "suspended_until": row.suspended_until.isoformat() if row.suspended_until
                else None, "banned": row.banned, "is_active": user.is_active}
    end = None
    if action == "strike":
        row.strikes += 1
        days_for = policy.suspension_for(row.strikes)
        if days_for is not False:
            end = FOREVER if days_for is None else timezone.now() + timedelta(days=days_for)
            row.suspended_until = max(end, row.suspended_until or end)
    elif action == "suspend":
        end = FOREVER if not days else timezone.now() + timedelta(days=days)
        row.suspended_until = end
    elif action == "ban":
        row.banned = True
        # Deactivation hides every video, comment and profile through the checks that already exist.
        User.objects.filter(pk=user.pk).update(is_active=False)
    row.save()
    return previous, end


def _restore_account(user, previous: dict) -> None:
    from reelbox.accounts.models import User

    row = Standing.objects.select_for_update().get_or_create(user_id=user.pk)[0]
    if "strikes" in previous:
        row.strikes = previous["strikes"]
        until = previous.get("suspended_until")
        row.suspended_until = datetime.fromisoformat(until) if until else None
        row.banned = previous.get("banned", False)
        row.save()
        if previous.get("is_active", True):
            User.objects.filter(pk=user.pk).update(is_active=True)


def _content_date(target_type: str, obj):
    return getattr(obj, "created_at", None) or getattr(obj, "date_joined", None)


def apply(action: str, target_type: str, target_id: str, *, moderator=None, case: Case | None = None,
          category: str = "other", ground: str = "terms", explanation: str = "", facts: str = "",
          source: str = "own_initiative", automated_detection: bool = False, automated_decision: str = "not",
          days: int | None = None, label: str = "", notify: bool = True) -> Decision:
    """Apply one action to one target and write its statement of reasons. Call inside a transaction."""
    found = target_for_staff(target_type, target_id)
    if found is None:
        raise NotFound(_("The content is gone."), "not_found")
    obj, owner = found
    if action in CONTENT_ACTIONS and target_type not in (Target.VIDEO, Target.COMMENT):
        raise ApiError(_("action: %(action)s applies to videos and comments.") % {"action": action},
                       "invalid_action")
    if action not in CONTENT_ACTIONS | ACCOUNT_ACTIONS:
        raise ApiError(_("action: unknown action."), "invalid_action")
    if category not in Category.values:
        raise ApiError(_("category: one of %(choices)s.") % {"choices": ", ".join(Category.values)},
                       "invalid_category")
    if ground not in Decision.Ground.values:
        raise ApiError(_("ground: one of %(choices)s.") % {"choices": ", ".join(Decision.Ground.values)},
                       "invalid_ground")
    if len(explanation) > MAX_EXPLANATION or len(facts) > MAX_EXPLANATION:
        raise ApiError(_("explanation: at most %(max)d characters.") % {"max": MAX_EXPLANATION}, "invalid_text")
    previous: dict = {}
    end = None
    decision = Decision(
        case=case, target_type=target_type, target_id=str(target_id), user=owner, moderator=moderator,
        action=action, decision_ground=ground, explanation=explanation, category=category,
        content_type=target_type, content_date=_content_date(target_type, obj), facts=facts, source_type=source,
        automated_detection=automated_detection, automated_decision=automated_decision, label=label,
    )
    if action in CONTENT_ACTIONS:
        previous = {"moderation": obj.moderation}
        if action in policy.STATE_FOR:
            _set_content_state(target_type, obj, policy.STATE_FOR[action])
        decision.decision_visibility = policy.VISIBILITY_FOR.get(action, "")
    else:
        previous, end = _apply_account(action, owner, days)
        decision.decision_account = {"suspend": "account_suspended", "ban": "account_terminated"}.get(action, "")
        if end is not None:
            decision.decision_account = "account_suspended"
            decision.end_date = None if end >= FOREVER else end
    decision.previous = previous
    decision.save()
    audit(moderator, f"decision:{action}", target_type, target_id, decision=decision.puid, category=category,
          automated=automated_decision, previous=previous)
    if notify and owner is not None and not (action == "approve" and automated_decision != "not"):
        Notice.objects.create(recipient=owner, kind=Notice.Kind.DECISION, decision=decision)
    log.info("moderation %s on %s %s (%s, %s)", action, target_type, target_id, category, automated_decision)
    return decision


def decide_case(moderator, case: Case, action: str, **fields) -> Decision:
    """A moderator's decision on a queue item: applied, the case closed, the reporters told."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.state != Case.State.OPEN:
            raise ApiError(_("This case is already closed."), "case_closed", status=409)
        fields.setdefault("category", case.category)
        source = {"notice": "notice"}.get(case.source, "own_initiative")
        automated = "partially" if case.signals else "not"
        decision = apply(action, case.target_type, case.target_id, moderator=moderator, case=case, source=source,
                         automated_detection=bool(case.signals), automated_decision=automated, **fields)
        _close(case, decision)
    return decision


def _close(case: Case, decision: Decision) -> None:
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(state=Case.State.CLOSED, closed_at=now)
    outcome = "no_action" if decision.action in ("approve", "restore") else decision.action
    for row in Report.objects.filter(case=case, resolved_at__isnull=True):
        Report.objects.filter(pk=row.pk).update(outcome=outcome, resolved_at=now)
        Notice.objects.create(recipient_id=row.reporter_id, kind=Notice.Kind.REPORT_OUTCOME, decision=decision,
                              report=row)


def act(moderator, target_type: str, target_id: str, action: str, **fields) -> Decision:
    """A moderator's action outside the queue (on a profile, in bulk): closes the target's open case too."""
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(target_type=target_type, target_id=str(target_id),
                                                       state=Case.State.OPEN).first()
        if case is not None:
            return decide_case(moderator, case, action, **fields)
        return apply(action, target_type, str(target_id), moderator=moderator, **fields)


# Appeals -------------------------------------------------------------------------------------------------


def appeal(user, decision: Decision, text: str) -> tuple[Appeal, bool]:
    if decision.user_id != user.pk:
        raise PermissionDenied(_("Only the person this decision is about can appeal it."), "not_yours")
    if decision.action in ("approve", "restore", "reverse"):
        raise ApiError(_("There is nothing to appeal in this decision."), "not_appealable")
    if timezone.now() - decision.application_date > policy.APPEAL_WINDOW:
        raise PermissionDenied(_("The six months to appeal this decision have passed."), "appeal_window_closed")
    text = (text or "").strip()
    if not text:
        raise ApiError(_("text: say why the decision is wrong."), "invalid_text")
    if len(text) > MAX_EXPLANATION:
        raise ApiError(_("text: at most %(max)d characters.") % {"max": MAX_EXPLANATION}, "invalid_text")
    existing = Appeal.objects.filter(decision=decision).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            row = Appeal.objects.create(decision=decision, appellant=user, text=text)
            audit(user, "appeal", decision.target_type, decision.target_id, decision=decision.puid)
    except IntegrityError:
        return Appeal.objects.get(decision=decision), False
    return row, True


def appeal_ban(username: str, password: str, text: str) -> tuple[Appeal, bool]:
    """A banned person cannot log in, yet may appeal for six months: their password proves who they are."""
    from reelbox.accounts.models import User

    user = User.objects.filter(username__iexact=(username or "").strip(), is_active=False).first()
    if user is None:
        User().set_password(password or "")  # hash anyway: timing does not tell which names are banned
    ban = None
    if user is not None and user.check_password(password or ""):
        ban = (Decision.objects.filter(user=user, action="ban", reversed_by__isnull=True)
               .order_by("-application_date").first())
    if ban is None:
        raise ApiError(_("Wrong username or password, or this account is not banned."), "invalid_credentials",
                       status=401)
    return appeal(user, ban, text)


def resolve_appeal(moderator, appeal_row: Appeal, *, upheld: bool, reply: str = "") -> Appeal:
    """A different moderator from the one who decided reviews the appeal; upheld reverses the decision."""
    with transaction.atomic():
        row = Appeal.objects.select_for_update().select_related("decision").get(pk=appeal_row.pk)
        if row.state != Appeal.State.PENDING:
            raise ApiError(_("This appeal is already resolved."), "appeal_resolved", status=409)
        if row.decision.moderator_id is not None and row.decision.moderator_id == moderator.pk:
            raise PermissionDenied(_("Another moderator must review an appeal of your own decision."),
                                   "same_moderator")
        row.state = Appeal.State.UPHELD if upheld else Appeal.State.REJECTED
        row.reviewer, row.reply, row.resolved_at = moderator, (reply or "").strip()[:MAX_EXPLANATION], timezone.now()
        row.save()
        outcome = row.decision
        if upheld:
            outcome = _reverse(moderator, row.decision, row.reply)
        Notice.objects.create(recipient_id=row.appellant_id, kind=Notice.Kind.APPEAL_OUTCOME, decision=outcome)
        audit(moderator, "appeal_upheld" if upheld else "appeal_rejected", row.decision.target_type,
              row.decision.target_id, decision=row.decision.puid)
    return row


def _reverse(moderator, decision: Decision, reply: str) -> Decision:
    found = target_for_staff(decision.target_type, decision.target_id)
    if found is not None:
        obj, owner = found
        if "moderation" in decision.previous:
            state = decision.previous["moderation"]
            # Reversing automatic review's verdict on a new upload publishes it: "pending" was only the wait.
            _set_content_state(decision.target_type, obj, Moderation.APPROVED if state == Moderation.PENDING else state)
        elif decision.user is not None:
            _restore_account(decision.user, decision.previous)
    reversal = Decision.objects.create(
        target_type=decision.target_type, target_id=decision.target_id, user=decision.user, moderator=moderator,
        action="reverse", explanation=reply or _("The decision was reversed on appeal."), category=decision.category,
        content_type=decision.content_type, content_date=decision.content_date, source_type="appeal",
        facts=_("Appeal of decision %(puid)s upheld.") % {"puid": decision.puid},
        previous={"reverses": decision.puid},
    )
    Decision.objects.filter(pk=decision.pk).update(reversed_by=reversal)
    return reversal


def mark_notices_read(user, ids: list[int] | None = None) -> int:
    qs = Notice.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


# Watched words and rules (admins edit them here or in the Django admin) ---------------------------------


def add_word(actor, *, pattern: str, is_regex: bool = False, label: str = "watched_word", language: str = ""):
    from reelbox.moderation import engine
    from reelbox.moderation.models import WatchedWord

    pattern = (pattern or "").strip()
    if not pattern or len(pattern) > 200:
        raise ApiError(_("pattern: 1 to 200 characters."), "invalid_pattern")
    label = (label or "watched_word").strip()[:60]
    language = (language or "").strip().lower()[:16]
    try:
        engine.check_words([(pattern, is_regex, label, language)])
    except ValueError as exc:
        raise ApiError(_("pattern: %(reason)s") % {"reason": str(exc)}, "invalid_pattern") from None
    with transaction.atomic():
        row = WatchedWord.objects.create(pattern=pattern, is_regex=is_regex, label=label, language=language)
        audit(actor, "word_added", "", "", pattern=pattern, is_regex=is_regex, label=label, language=language)
    return row


def delete_word(actor, word_id: int) -> None:
    from reelbox.moderation.models import WatchedWord

    with transaction.atomic():
        row = WatchedWord.objects.filter(pk=word_id).first()
        if row is None:
            raise NotFound(_("No such word."), "not_found")
        audit(actor, "word_deleted", "", "", pattern=row.pattern)
        row.delete()


def add_rule(actor, *, label: str, threshold: float, outcome: str, min_trust: int | None = None,
             enabled: bool = True):
    from reelbox.moderation.models import Rule

    label = (label or "").strip()
    if not label or len(label) > 60:
        raise ApiError(_("label: 1 to 60 characters."), "invalid_label")
    if not 0.0 <= threshold <= 1.0:
        raise ApiError(_("threshold: a number from 0 to 1."), "invalid_threshold")
    if outcome not in Rule.Outcome.values:
        raise ApiError(_("outcome: one of %(choices)s.") % {"choices": ", ".join(Rule.Outcome.values)},
                       "invalid_outcome")
    with transaction.atomic():
        row = Rule.objects.create(label=label, threshold=threshold, outcome=outcome, min_trust=min_trust,
                                  enabled=enabled)
        audit(actor, "rule_added", "", "", label=label, threshold=threshold, outcome=outcome)
    return row
