"""Permission-checked reads for moderation: the queue, a case, notices, decisions, the transparency report."""

from __future__ import annotations

import statistics
from collections import Counter

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from reelbox.core.errors import NotFound, PermissionDenied
from reelbox.moderation import actions, engine, policy
from reelbox.moderation.models import (
    Appeal, Case, Decision, HashBank, Notice, Report, Standing, VideoScan,
)

MODERATOR_GROUP = "moderators"


def is_moderator(user) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_staff or user.groups.filter(name=MODERATOR_GROUP).exists()


def require_moderator(user) -> None:
    if not is_moderator(user):
        raise PermissionDenied(_("Moderators only."), "forbidden")


def moderation_state(video) -> dict:
    """What the uploader (and staff) read about a video's review: the state and the latest reason."""
    latest = (Decision.objects.filter(target_type="video", target_id=video.public_id)
              .order_by("-application_date", "-pk").first())
    return {
        "state": video.moderation,
        "state_label": str(video.get_moderation_display()),
        "reason": latest.explanation if latest else None,
        "category": latest.category if latest else None,
        "decision_id": latest.puid if latest else None,
        "label": latest.label or None if latest else None,
        "appealable": bool(latest and latest.action not in ("approve", "restore", "reverse")
                           and latest.reversed_by_id is None),
    }


def queue(user, *, limit: int = 50) -> list[Case]:
    require_moderator(user)
    return list(Case.objects.filter(state=Case.State.OPEN).select_related("owner")
                .order_by("-priority", "opened_at")[: max(1, min(limit, 200))])


def access_case(user, case_id) -> Case:
    require_moderator(user)
    case = Case.objects.select_related("owner").filter(pk=actions._int(case_id) or 0).first()
    if case is None:
        raise NotFound(_("No such case."), "not_found")
    return case


def sla_seconds_left(case: Case) -> int:
    return int((case.due_at - timezone.now()).total_seconds())


def history(owner) -> dict:
    """The uploader's record, for the reviewer: standing, trust, past decisions."""
    if owner is None:
        return {}
    from reelbox.moderation.review import trust_level

    row = Standing.objects.filter(user_id=owner.pk).first()
    decisions = list(Decision.objects.filter(user=owner).order_by("-application_date")[:20])
    return {
        "username": owner.username,
        "joined": owner.date_joined.isoformat(),
        "is_active": owner.is_active,
        "strikes": row.strikes if row else 0,
        "suspended_until": row.suspended_until.isoformat() if row and row.suspended_until else None,
        "banned": bool(row and row.banned),
        "trust_level": trust_level(owner),
        "decisions": [serialize_decision(d) for d in decisions],
    }


def content(case: Case) -> dict:
    """The case's content as a moderator sees it, whatever its state."""
    from reelbox.videos import storage

    found = actions.target_for_staff(case.target_type, case.target_id)
    if found is None:
        return {"gone": True}
    obj, _owner = found
    if case.target_type == "video":
        scan = VideoScan.objects.filter(video_id=obj.pk).first()
        return {"id": obj.public_id, "caption": obj.caption, "state": obj.moderation, "status": obj.status,
                "poster_url": storage.url(obj.poster_path) if obj.poster_path else None,
                "hls_url": storage.url(obj.hls_path) if obj.hls_path else None,
                "view_count": obj.view_count, "scan": ({"labels": scan.labels, "matches": scan.matches,
                                                        "unavailable": scan.unavailable, "outcome": scan.outcome,
                                                        "seconds": scan.seconds} if scan else None)}
    if case.target_type == "comment":
        return {"id": obj.pk, "text": obj.text, "state": obj.moderation, "video_id": obj.video.public_id}
    if case.target_type == "account":
        return {"username": obj.username, "display_name": obj.display_name, "bio": obj.bio,
                "is_active": obj.is_active}
    return {"id": obj.pk, "conversation_id": obj.conversation_id, "text": _message_text(obj)}


def _message_text(message) -> str:
    from reelbox.messaging import crypto, queries as messaging_queries

    try:
        key = messaging_queries.data_key(message.conversation)
        # A reported message is shown to the moderator: the report is the reporter's consent to disclose it.
        return crypto.decrypt(key, message.conversation_id, message.pk, bytes(message.body))
    except Exception:  # noqa: BLE001 (a moderator still sees the rest of the case)
        return ""


def serialize_case(case: Case, *, full: bool = False) -> dict:
    data = {
        "id": case.pk, "target_type": case.target_type, "target_id": case.target_id, "state": case.state,
        "category": case.category, "priority": round(case.priority, 2), "report_count": case.report_count,
        "source": case.source, "signals": case.signals, "opened_at": case.opened_at.isoformat(),
        "due_at": case.due_at.isoformat(), "sla_seconds_left": sla_seconds_left(case),
        "owner": case.owner.username if case.owner else None,
    }
    if full:
        data["content"] = content(case)
        data["reports"] = [{"id": r.pk, "category": r.category, "text": r.text, "reporter": r.reporter.username,
                            "created_at": r.created_at.isoformat()}
                           for r in case.reports.select_related("reporter").order_by("pk")]
        data["history"] = history(case.owner)
        data["engine_missing"] = engine.missing()
    return data


def serialize_decision(d: Decision) -> dict:
    """The statement of reasons, with the DSA's field names."""
    return {
        "id": d.puid, "puid": d.puid, "action": d.action, "target_type": d.target_type, "target_id": d.target_id,
        "decision_visibility": d.decision_visibility or None, "decision_monetary": d.decision_monetary or None,
        "decision_provision": d.decision_provision or None, "decision_account": d.decision_account or None,
        "decision_ground": d.decision_ground, "explanation": d.explanation, "category": d.category,
        "content_type": d.content_type, "content_date": d.content_date.isoformat() if d.content_date else None,
        "application_date": d.application_date.isoformat(), "end_date": d.end_date.isoformat() if d.end_date else None,
        "decision_facts": d.facts, "source_type": d.source_type, "automated_detection": d.automated_detection,
        "automated_decision": d.automated_decision, "territorial_scope": d.territorial_scope, "label": d.label,
        "reversed": d.reversed_by_id is not None,
        "appeal_until": (d.application_date + policy.APPEAL_WINDOW).isoformat(),
    }


def access_decision(user, puid: str) -> Decision:
    """A decision its subject or a moderator may read (others: 404)."""
    d = Decision.objects.filter(puid=str(puid)).first()
    if d is None or not (user.is_authenticated and (d.user_id == user.pk or is_moderator(user))):
        raise NotFound(_("No such decision."), "not_found")
    return d


def decision_for_appeal(puid: str) -> Decision:
    d = Decision.objects.filter(puid=str(puid)).first()
    if d is None:
        raise NotFound(_("No such decision."), "not_found")
    return d


def notices(user, limit: int = 50) -> list[dict]:
    rows = (Notice.objects.filter(recipient=user).select_related("decision", "report")
            .order_by("-pk")[: max(1, min(limit, 200))])
    out = []
    for n in rows:
        appeal = Appeal.objects.filter(decision=n.decision).first()
        out.append({
            "id": n.pk, "kind": n.kind, "read": n.read_at is not None, "created_at": n.created_at.isoformat(),
            "decision": serialize_decision(n.decision),
            "report": ({"id": n.report.pk, "category": n.report.category, "outcome": n.report.outcome}
                       if n.report else None),
            "appeal": serialize_appeal(appeal) if appeal else None,
            "can_appeal": (n.kind == Notice.Kind.DECISION and n.decision.user_id == user.pk and appeal is None
                           and n.decision.action not in ("approve", "restore", "reverse")
                           and timezone.now() - n.decision.application_date <= policy.APPEAL_WINDOW),
        })
    return out


def unread_notices(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def serialize_appeal(a: Appeal) -> dict:
    return {"id": a.pk, "decision_id": a.decision.puid, "state": a.state, "text": a.text, "reply": a.reply,
            "created_at": a.created_at.isoformat(),
            "resolved_at": a.resolved_at.isoformat() if a.resolved_at else None}


def pending_appeals(user) -> list[Appeal]:
    require_moderator(user)
    return list(Appeal.objects.filter(state=Appeal.State.PENDING).select_related("decision", "appellant")
                .order_by("created_at"))


def access_appeal(user, appeal_id) -> Appeal:
    require_moderator(user)
    a = Appeal.objects.select_related("decision").filter(pk=actions._int(appeal_id) or 0).first()
    if a is None:
        raise NotFound(_("No such appeal."), "not_found")
    return a


def my_reports(user) -> list[dict]:
    return [{"id": r.pk, "target_type": r.target_type, "target_id": r.target_id, "category": r.category,
             "outcome": r.outcome or None, "created_at": r.created_at.isoformat()}
            for r in Report.objects.filter(reporter=user).order_by("-pk")[:100]]


def banks(user) -> list[HashBank]:
    require_moderator(user)
    return list(HashBank.objects.order_by("name"))


def transparency(since=None, until=None) -> dict:
    """Public counts: decisions by category, automation and action; median hours to act; appeals."""
    qs = Decision.objects.exclude(action="reverse")
    if since:
        qs = qs.filter(application_date__gte=since)
    if until:
        qs = qs.filter(application_date__lt=until)
    rows = list(qs.values_list("category", "automated_decision", "action", "application_date", "case__opened_at",
                               "source_type"))
    hours = [(applied - opened).total_seconds() / 3600 for _c, _a, _o, applied, opened, _s in rows if opened]
    appeals = Appeal.objects.filter(decision__in=qs)
    return {
        "decisions": len(rows),
        "by_category": dict(Counter(r[0] for r in rows)),
        "by_automation": dict(Counter(r[1] for r in rows)),
        "by_outcome": dict(Counter(r[2] for r in rows)),
        "by_source": dict(Counter(r[5] for r in rows)),
        "median_hours_to_action": round(statistics.median(hours), 2) if hours else None,
        "reports": Report.objects.filter(Q(created_at__gte=since) if since else Q()).count(),
        "appeals": appeals.count(),
        "appeals_upheld": appeals.filter(state=Appeal.State.UPHELD).count(),
    }


def transparency_csv(data: dict) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "count"])
    for section in ("by_category", "by_automation", "by_outcome", "by_source"):
        for key, count in sorted(data[section].items()):
            writer.writerow([section, key, count])
    for key in ("decisions", "reports", "appeals", "appeals_upheld", "median_hours_to_action"):
        writer.writerow(["total", key, "" if data[key] is None else data[key]])
    return out.getvalue()
