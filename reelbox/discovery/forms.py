from django import forms
from django.utils.translation import gettext_lazy as _


class ChallengeForm(forms.Form):
    hashtag = forms.CharField(label=_("Hashtag"), max_length=101)
    title = forms.CharField(label=_("Title"), max_length=100)
    rules = forms.CharField(label=_("Rules"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=4000)
    starts_at = forms.DateTimeField(label=_("Starts (UTC)"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("Ends (UTC)"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    sponsor = forms.CharField(label=_("Sponsor (a brand account's username)"), max_length=150, required=False)
    cover = forms.ImageField(label=_("Cover image"), required=False)
    featured = forms.BooleanField(label=_("Feature on Discover"), required=False)
