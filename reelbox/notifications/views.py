from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from reelbox.notifications import actions, queries


@login_required
def notifications(request):
    items, next_cursor = queries.page(request.user, request.GET.get("cursor"), 30)
    response = render(request, "notifications/list.html", {"items": items, "next_cursor": next_cursor})
    # Seen once the page is shown; the badge (here and in other tabs) drops to zero.
    actions.mark_read(request.user, [i["id"] for i in items if not i["read"]])
    return response


LABELS = {
    "like": _("Likes"),
    "comment": _("Comments on your videos"),
    "reply": _("Replies to your comments"),
    "mention": _("Mentions"),
    "follow": _("New followers"),
    "follow_request": _("Follow requests"),
    "follow_approved": _("Follow requests approved"),
    "message": _("Direct messages"),
    "duet": _("Duets with your videos"),
    "stitch": _("Stitches of your videos"),
}


class PreferencesForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in LABELS.items():
            self.fields[name] = forms.BooleanField(label=label, required=False)


@login_required
def preferences(request):
    prefs = actions.preferences(request.user)
    form = PreferencesForm(request.POST or None, initial={name: getattr(prefs, name) for name in LABELS})
    if request.method == "POST" and form.is_valid():
        actions.update_preferences(request.user, **form.cleaned_data)
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
