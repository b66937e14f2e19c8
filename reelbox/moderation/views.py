"""Staff pages (queue, case, appeals, controls), the notices page with appeals, the transparency report."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from reelbox.core import ratelimit
from reelbox.core.errors import ApiError
from reelbox.moderation import actions, banks, engine, queries
from reelbox.moderation.models import Action, Category, Decision, HashBank, Target, WatchedWord

# What the moderator does, as the form offers it (Action's labels read as outcomes: "removed").
VERBS = {
    "remove": gettext_lazy("Remove"), "age_restrict": gettext_lazy("Age-restrict"),
    "limit": gettext_lazy("Limit reach"), "label": gettext_lazy("Label"), "restore": gettext_lazy("Restore"),
    "approve": gettext_lazy("No violation"), "warn": gettext_lazy("Warn the account"),
    "strike": gettext_lazy("Strike"), "suspend": gettext_lazy("Suspend"), "ban": gettext_lazy("Ban"),
}

CASE_ACTIONS = {
    "video": ["remove", "age_restrict", "limit", "label", "restore", "approve", "warn", "strike", "suspend", "ban"],
    "comment": ["remove", "restore", "approve", "warn", "strike", "suspend", "ban"],
    "account": ["approve", "warn", "strike", "suspend", "ban"],
    "message": ["approve", "warn", "strike", "suspend", "ban"],
}


def moderator_only(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not queries.is_moderator(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _redirect_with(request, target, exc: ApiError | None = None, ok: str | None = None):
    if exc is not None:
        messages.error(request, exc.detail)
    elif ok:
        messages.success(request, ok)
    return redirect(target)


@moderator_only
def queue(request):
    cases = queries.queue(request.user, limit=100)
    return render(request, "moderation/queue.html", {
        "cases": [queries.serialize_case(c) for c in cases], "engine_missing": engine.missing(),
        "appeal_count": len(queries.pending_appeals(request.user)),
    })


@moderator_only
def case(request, case_id: int):
    row = queries.access_case(request.user, case_id)
    data = queries.serialize_case(row, full=True)
    return render(request, "moderation/case.html", {
        "case": data, "actions": [(a, VERBS[a]) for a in CASE_ACTIONS[row.target_type]],
        "categories": Category.choices, "grounds": Decision.Ground.choices, "banks": HashBank.objects.order_by("name"),
        "decisions": [queries.serialize_decision(d) for d in row.decisions.order_by("pk")],
    })


@moderator_only
@require_POST
def decide(request, case_id: int):
    row = queries.access_case(request.user, case_id)
    post = request.POST
    try:
        days = int(post["days"]) if post.get("days") else None
        decision = actions.decide_case(
            request.user, row, post.get("action", ""), category=post.get("category") or row.category,
            ground=post.get("ground") or "terms", explanation=post.get("explanation", "").strip(),
            facts=post.get("facts", "").strip(), days=days, label=post.get("label", "").strip()[:120])
        if post.get("add_to_bank") and row.target_type == "video":
            banks.add_video(request.user, banks.get_bank(post["add_to_bank"]), row.target_id)
    except ValueError:
        messages.error(request, _("days: a whole number."))
        return redirect("moderation:case", case_id=row.pk)
    except ApiError as exc:
        messages.error(request, exc.detail)
        return redirect("moderation:case", case_id=row.pk)
    return _redirect_with(request, "moderation:queue",
                          ok=_("Decision %(id)s recorded: %(action)s.") % {"id": decision.puid,
                                                                            "action": decision.get_action_display()})


@moderator_only
def appeals(request):
    rows = queries.pending_appeals(request.user)
    return render(request, "moderation/appeals.html", {
        "appeals": [queries.serialize_appeal(a) | {"decision": queries.serialize_decision(a.decision),
                                                   "appellant": a.appellant.username,
                                                   "mine": a.decision.moderator_id == request.user.pk}
                    for a in rows]})


@moderator_only
@require_POST
def resolve(request, appeal_id: int):
    try:
        actions.resolve_appeal(request.user, queries.access_appeal(request.user, appeal_id),
                               upheld=request.POST.get("upheld") == "1", reply=request.POST.get("reply", ""))
    except ApiError as exc:
        return _redirect_with(request, "moderation:appeals", exc)
    return _redirect_with(request, "moderation:appeals", ok=_("Appeal resolved."))


@moderator_only
def controls(request):
    return render(request, "moderation/controls.html", {
        "control": actions.control(), "banks": [(b, b.entries.count()) for b in HashBank.objects.order_by("name")],
        "words": WatchedWord.objects.order_by("pk"), "modes": HashBank.Mode.choices,
        "categories": Category.choices, "engine_missing": engine.missing(),
        "availability": engine.availability(),
    })


@moderator_only
@require_POST
def controls_post(request):
    post, files = request.POST, request.FILES
    what = post.get("form")
    try:
        if what == "switches":
            hold = post.get("hold_untrusted_below", "")
            actions.update_control(request.user, uploads_paused=bool(post.get("uploads_paused")),
                                   comments_paused=bool(post.get("comments_paused")),
                                   review_uploads=bool(post.get("review_uploads")),
                                   hold_untrusted_below=int(hold) if hold.strip() else None,
                                   announcement=post.get("announcement", "").strip()[:500])
        elif what == "bank":
            banks.create_bank(request.user, name=post.get("name", ""), mode=post.get("mode", "shadow"),
                              rollout_ratio=float(post.get("rollout_ratio") or 0), category=post.get("category", "other"))
        elif what == "bank_mode":
            banks.update_bank(request.user, banks.get_bank(post.get("bank")), mode=post.get("mode"),
                              rollout_ratio=float(post.get("rollout_ratio") or 0))
        elif what == "import":
            upload = files.get("file")
            text = upload.read(20 * 2**20).decode("utf-8", "replace") if upload else post.get("csv", "")
            added = banks.import_csv(request.user, banks.get_bank(post.get("bank")), text)
            messages.success(request, _("%(n)d hashes imported.") % {"n": added})
        elif what == "word":
            actions.add_word(request.user, pattern=post.get("pattern", ""), is_regex=bool(post.get("is_regex")),
                             label=post.get("label") or "watched_word", language=post.get("language", ""))
        elif what == "delete_word":
            actions.delete_word(request.user, int(post.get("word", 0)))
        elif what == "bulk":
            count = banks.bulk_action(request.user, by=post.get("by", ""), value=post.get("value", ""),
                                      action=post.get("action", ""), category=post.get("category", "other"))
            messages.success(request, _("%(n)d videos actioned.") % {"n": count})
        else:
            raise ApiError(_("Unknown form."), "invalid")
    except ValueError:
        return _redirect_with(request, "moderation:controls", ApiError(_("Enter a number."), "invalid"))
    except ApiError as exc:
        return _redirect_with(request, "moderation:controls", exc)
    return _redirect_with(request, "moderation:controls", ok=_("Saved."))


@moderator_only
def bank_export(request, bank_id: int):
    bank = banks.get_bank(bank_id)
    response = HttpResponse(banks.export_csv(bank), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="bank-{bank.pk}.csv"'
    return response


@login_required
def notices(request):
    items = queries.notices(request.user)
    response = render(request, "moderation/notices.html", {"items": items})
    actions.mark_notices_read(request.user)
    return response


@login_required
@require_POST
def appeal(request, puid: str):
    try:
        actions.appeal(request.user, queries.decision_for_appeal(puid), request.POST.get("text", ""))
    except ApiError as exc:
        return _redirect_with(request, "moderation:notices", exc)
    return _redirect_with(request, "moderation:notices", ok=_("Your appeal was sent. Another moderator will review it."))


def ban_appeal(request):
    """The form a banned person uses to appeal (they cannot log in)."""
    if request.method == "POST":
        try:
            ratelimit.hit(request, "login", ratelimit.client_ip(request))
            actions.appeal_ban(request.POST.get("username", ""), request.POST.get("password", ""),
                               request.POST.get("text", ""))
        except ApiError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("Your appeal was sent. Another moderator will review it."))
            return redirect("moderation:ban_appeal")
    return render(request, "moderation/ban_appeal.html")


@login_required
def report(request):
    """A plain form to report something (the API is POST /api/v1/reports)."""
    target_type = request.GET.get("type") or request.POST.get("target_type") or "video"
    target_id = request.GET.get("id") or request.POST.get("target_id") or ""
    if request.method == "POST":
        try:
            actions.report(request.user, target_type=target_type, target_id=target_id,
                           category=request.POST.get("category", ""), text=request.POST.get("text", ""))
        except ApiError as exc:
            if exc.status == 404:
                raise Http404 from None
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("Thank you. We will tell you what we decide."))
            return redirect("moderation:notices")
    return render(request, "moderation/report.html", {"target_type": target_type, "target_id": target_id,
                                                      "categories": Category.choices, "targets": Target.choices})


def transparency(request):
    return render(request, "moderation/transparency.html", {"data": queries.transparency(),
                                                            "categories": dict(Category.choices),
                                                            "action_labels": dict(Action.choices)})


def transparency_csv(request):
    response = HttpResponse(queries.transparency_csv(queries.transparency()), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="transparency.csv"'
    return response
