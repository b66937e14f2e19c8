from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from reelbox.core import regions


class SignupForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=30)
    email = forms.EmailField(label=_("E-mail"))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=50, required=False)
    bio = forms.CharField(label=_("Bio"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    avatar = forms.ImageField(label=_("Avatar"), required=False)
    # Picks the regional trends on Discover.
    region = forms.ChoiceField(label=_("Country or region"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Names in the UI language of this request, sorted for it.
        self.fields["region"].choices = [("", _("Not set"))] + regions.choices(get_language())
