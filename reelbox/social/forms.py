from django import forms
from django.utils.translation import gettext_lazy as _

from reelbox.accounts.models import Audience
from reelbox.videos.models import Video


class PrivacyForm(forms.Form):
    is_private = forms.BooleanField(label=_("Private account"), required=False,
                                    help_text=_("Only followers you approve can see your videos."))
    who_can_comment = forms.ChoiceField(label=_("Who can comment on your videos"), choices=Audience.choices)
    who_can_duet = forms.ChoiceField(label=_("Who can duet with your videos"), choices=Audience.choices)
    who_can_stitch = forms.ChoiceField(label=_("Who can stitch your videos"), choices=Audience.choices)
    who_can_download = forms.ChoiceField(label=_("Who can download your videos"), choices=Audience.choices)
    who_can_message = forms.ChoiceField(label=_("Who can send you messages"), choices=Audience.choices)


class VideoSettingsForm(forms.Form):
    """Per-video privacy, shown to the video's author on its page."""

    visibility = forms.ChoiceField(label=_("Who can watch this video"), choices=Video.Visibility.choices)
    comments_enabled = forms.BooleanField(label=_("Allow comments"), required=False)
    allow_duet = forms.BooleanField(label=_("Allow duets"), required=False)
    allow_stitch = forms.BooleanField(label=_("Allow stitches"), required=False)
