"""Moderation API: reports and appeals for everyone; the queue, decisions, banks and switches for staff."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Router, Schema, Status

from reelbox.core import ratelimit
from reelbox.core.auth import TokenOrSession
from reelbox.moderation import actions, banks, engine, queries
from reelbox.moderation.models import Rule, WatchedWord

router = Router(tags=["moderation"])
AUTH = TokenOrSession()


class ReportIn(Schema):
    target_type: str
    target_id: str
    category: str
    text: str = ""


class ReportOut(Schema):
    id: int
    target_type: str
    target_id: str
    category: str
    outcome: str | None = None
    created: bool = False


class AppealIn(Schema):
    text: str


class DecisionOut(Schema):
    """A statement of reasons, with the EU DSA's field names."""

    id: str
    puid: str
    action: str
    target_type: str
    target_id: str
    decision_visibility: str | None
    decision_monetary: str | None
    decision_provision: str | None
    decision_account: str | None
    decision_ground: str
    explanation: str
    category: str
    content_type: str
    content_date: str | None
    application_date: str
    end_date: str | None
    decision_facts: str
    source_type: str
    automated_detection: bool
    automated_decision: str
    territorial_scope: str
    label: str
    reversed: bool
    appeal_until: str


class AppealOut(Schema):
    id: int
    decision_id: str
    state: str
    text: str
    reply: str
    created_at: str
    resolved_at: str | None


class NoticeOut(Schema):
    id: int
    kind: str
    read: bool
    created_at: str
    decision: DecisionOut
    report: dict | None
    appeal: AppealOut | None
    can_appeal: bool


class NoticePage(Schema):
    items: list[NoticeOut]
    unread: int


class DecideIn(Schema):
    action: str
    category: str | None = None
    ground: str = "terms"
    explanation: str = ""
    facts: str = ""
    days: int | None = None
    label: str = ""
    add_to_bank: int | None = None


class ActIn(DecideIn):
    target_type: str
    target_id: str


class ResolveIn(Schema):
    upheld: bool
    reply: str = ""


class BankIn(Schema):
    name: str
    mode: str = "shadow"
    rollout_ratio: float = 0.0
    category: str = "other"
    outcome: str = "block"


class BankPatch(Schema):
    mode: str | None = None
    rollout_ratio: float | None = None


class BankVideoIn(Schema):
    video_id: str


class CsvIn(Schema):
    csv: str


class BulkIn(Schema):
    by: str
    value: str
    action: str
    category: str = "other"
    explanation: str = ""


class ControlsIn(Schema):
    uploads_paused: bool | None = None
    comments_paused: bool | None = None
    announcement: str | None = None
    review_uploads: bool | None = None
    hold_untrusted_below: int | None = None


class WordIn(Schema):
    pattern: str
    is_regex: bool = False
    label: str = "watched_word"
    language: str = ""


class RuleIn(Schema):
    label: str
    threshold: float
    outcome: str
    min_trust: int | None = None
    enabled: bool = True


def _report_out(row, created: bool) -> dict:
    return {"id": row.pk, "target_type": row.target_type, "target_id": row.target_id, "category": row.category,
            "outcome": row.outcome or None, "created": created}


# Everyone --------------------------------------------------------------------------------------------------


@router.post("/reports", auth=AUTH, response={200: ReportOut, 201: ReportOut})
def create_report(request, payload: ReportIn):
    """Report a video, comment, account or message. Reporting again while the first is open returns it (200)."""
    ratelimit.hit(request, "report", str(request.auth.pk))
    row, created = actions.report(request.auth, target_type=payload.target_type, target_id=payload.target_id,
                                  category=payload.category, text=payload.text)
    return Status(201 if created else 200, _report_out(row, created))


@router.get("/me/reports", auth=AUTH)
def my_reports(request):
    return {"items": queries.my_reports(request.auth)}


@router.get("/moderation/notices", auth=AUTH, response=NoticePage)
def notices(request):
    """Decisions about you (with the statement of reasons), outcomes of your reports and appeals."""
    return {"items": queries.notices(request.auth), "unread": queries.unread_notices(request.auth)}


@router.post("/moderation/notices/read", auth=AUTH)
def read_notices(request):
    return {"marked": actions.mark_notices_read(request.auth)}


@router.get("/moderation/decisions/{puid}", auth=AUTH, response=DecisionOut)
def decision(request, puid: str):
    return queries.serialize_decision(queries.access_decision(request.auth, puid))


@router.post("/moderation/decisions/{puid}/appeal", auth=AUTH, response={200: AppealOut, 201: AppealOut})
def appeal(request, puid: str, payload: AppealIn):
    """Appeal a decision about you, within six months (403 otherwise, or for someone else's decision)."""
    row, created = actions.appeal(request.auth, queries.decision_for_appeal(puid), payload.text)
    return Status(201 if created else 200, queries.serialize_appeal(row))


class BanAppealIn(Schema):
    username: str
    password: str
    text: str


@router.post("/moderation/ban-appeal", auth=None, response={200: AppealOut, 201: AppealOut})
def ban_appeal(request, payload: BanAppealIn):
    """Appeal a ban: a banned account cannot log in, so it proves itself with its password (401 otherwise)."""
    ratelimit.hit(request, "login", ratelimit.client_ip(request))
    row, created = actions.appeal_ban(payload.username, payload.password, payload.text)
    return Status(201 if created else 200, queries.serialize_appeal(row))


@router.get("/moderation/transparency", auth=None)
def transparency(request):
    return queries.transparency()


@router.get("/moderation/transparency.csv", auth=None)
def transparency_csv(request):
    response = HttpResponse(queries.transparency_csv(queries.transparency()), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="transparency.csv"'
    return response


# Staff -----------------------------------------------------------------------------------------------------


@router.get("/moderation/queue", auth=AUTH)
def queue(request, limit: int = 50):
    return {"items": [queries.serialize_case(c) for c in queries.queue(request.auth, limit=limit)],
            "engine_missing": engine.missing()}


@router.get("/moderation/cases/{case_id}", auth=AUTH)
def case(request, case_id: int):
    return queries.serialize_case(queries.access_case(request.auth, case_id), full=True)


def _fields(payload: DecideIn) -> dict:
    data = {"ground": payload.ground, "explanation": payload.explanation.strip(), "facts": payload.facts.strip(),
            "days": payload.days, "label": payload.label.strip()[:120]}
    if payload.category:
        data["category"] = payload.category
    return data


@router.post("/moderation/cases/{case_id}/decide", auth=AUTH, response=DecisionOut)
def decide(request, case_id: int, payload: DecideIn):
    case = queries.access_case(request.auth, case_id)
    d = actions.decide_case(request.auth, case, payload.action, **_fields(payload))
    if payload.add_to_bank and case.target_type == "video":
        banks.add_video(request.auth, banks.get_bank(payload.add_to_bank), case.target_id)
    return queries.serialize_decision(d)


@router.post("/moderation/actions", auth=AUTH, response=DecisionOut)
def act(request, payload: ActIn):
    """Act on any video, comment or account, outside the queue (closes its open case if any)."""
    queries.require_moderator(request.auth)
    d = actions.act(request.auth, payload.target_type, payload.target_id, payload.action, **_fields(payload))
    return queries.serialize_decision(d)


@router.get("/moderation/appeals", auth=AUTH)
def appeals(request):
    return {"items": [queries.serialize_appeal(a) | {"decision": queries.serialize_decision(a.decision),
                                                     "appellant": a.appellant.username}
                      for a in queries.pending_appeals(request.auth)]}


@router.post("/moderation/appeals/{appeal_id}/resolve", auth=AUTH, response=AppealOut)
def resolve(request, appeal_id: int, payload: ResolveIn):
    row = actions.resolve_appeal(request.auth, queries.access_appeal(request.auth, appeal_id),
                                 upheld=payload.upheld, reply=payload.reply)
    return queries.serialize_appeal(row)


def _bank_out(b) -> dict:
    return {"id": b.pk, "name": b.name, "mode": b.mode, "rollout_ratio": b.rollout_ratio, "category": b.category,
            "outcome": b.outcome, "entries": b.entries.count()}


@router.get("/moderation/banks", auth=AUTH)
def bank_list(request):
    return {"items": [_bank_out(b) for b in queries.banks(request.auth)]}


@router.post("/moderation/banks", auth=AUTH, response={201: dict})
def bank_create(request, payload: BankIn):
    queries.require_moderator(request.auth)
    return Status(201, _bank_out(banks.create_bank(request.auth, **payload.dict())))


@router.patch("/moderation/banks/{bank_id}", auth=AUTH)
def bank_update(request, bank_id: int, payload: BankPatch):
    queries.require_moderator(request.auth)
    return _bank_out(banks.update_bank(request.auth, banks.get_bank(bank_id), **payload.dict()))


@router.post("/moderation/banks/{bank_id}/videos", auth=AUTH)
def bank_add_video(request, bank_id: int, payload: BankVideoIn):
    queries.require_moderator(request.auth)
    banks.add_video(request.auth, banks.get_bank(bank_id), payload.video_id)
    return {"queued": True}


@router.post("/moderation/banks/{bank_id}/import", auth=AUTH)
def bank_import(request, bank_id: int, payload: CsvIn):
    queries.require_moderator(request.auth)
    return {"added": banks.import_csv(request.auth, banks.get_bank(bank_id), payload.csv)}


@router.get("/moderation/banks/{bank_id}/export", auth=AUTH)
def bank_export(request, bank_id: int):
    queries.require_moderator(request.auth)
    bank = banks.get_bank(bank_id)
    response = HttpResponse(banks.export_csv(bank), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="bank-{bank.pk}.csv"'
    return response


@router.post("/moderation/bulk", auth=AUTH)
def bulk(request, payload: BulkIn):
    queries.require_moderator(request.auth)
    return {"count": banks.bulk_action(request.auth, **payload.dict())}


def _controls_out(row) -> dict:
    return {"uploads_paused": row.uploads_paused, "comments_paused": row.comments_paused,
            "announcement": row.announcement, "review_uploads": row.review_uploads,
            "hold_untrusted_below": row.hold_untrusted_below, "engine_missing": engine.missing()}


@router.get("/moderation/controls", auth=AUTH)
def controls(request):
    queries.require_moderator(request.auth)
    return _controls_out(actions.control())


@router.patch("/moderation/controls", auth=AUTH)
def update_controls(request, payload: ControlsIn):
    queries.require_moderator(request.auth)
    changes = payload.dict(exclude_unset=True)
    if "announcement" in changes:
        changes["announcement"] = (changes["announcement"] or "").strip()[:500]
    return _controls_out(actions.update_control(request.auth, **changes))


@router.get("/moderation/words", auth=AUTH)
def words(request):
    queries.require_moderator(request.auth)
    return {"items": [{"id": w.pk, "pattern": w.pattern, "is_regex": w.is_regex, "label": w.label,
                       "language": w.language} for w in WatchedWord.objects.order_by("pk")]}


@router.post("/moderation/words", auth=AUTH, response={201: dict})
def add_word(request, payload: WordIn):
    queries.require_moderator(request.auth)
    row = actions.add_word(request.auth, **payload.dict())
    return Status(201, {"id": row.pk, "pattern": row.pattern, "is_regex": row.is_regex, "label": row.label,
                        "language": row.language})


@router.delete("/moderation/words/{word_id}", auth=AUTH, response={204: None})
def delete_word(request, word_id: int):
    queries.require_moderator(request.auth)
    actions.delete_word(request.auth, word_id)
    return Status(204, None)


@router.get("/moderation/rules", auth=AUTH)
def rules(request):
    queries.require_moderator(request.auth)
    from reelbox.moderation.review import rule_rows

    rule_rows()  # seeds the defaults the first time
    return {"items": [{"id": r.pk, "label": r.label, "threshold": r.threshold, "outcome": r.outcome,
                       "min_trust": r.min_trust, "enabled": r.enabled} for r in Rule.objects.all()]}


@router.post("/moderation/rules", auth=AUTH, response={201: dict})
def add_rule(request, payload: RuleIn):
    queries.require_moderator(request.auth)
    row = actions.add_rule(request.auth, **payload.dict())
    return Status(201, {"id": row.pk, "label": row.label, "threshold": row.threshold, "outcome": row.outcome,
                        "min_trust": row.min_trust, "enabled": row.enabled})
