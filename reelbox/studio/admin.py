"""Admins curate the music library here: a track is added by uploading its audio."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from reelbox.core.errors import ApiError
from reelbox.studio import actions
from reelbox.studio.models import Draft, Sound
from reelbox.videos.storage import work_dir


class TrackForm(forms.ModelForm):
    audio = forms.FileField(label=_("Audio file"), required=False,
                            help_text=_("MP3, M4A, WAV, FLAC or Ogg; loudness-normalised on upload."))

    class Meta:
        model = Sound
        fields = ("title", "artist", "licence")


@admin.register(Sound)
class SoundAdmin(admin.ModelAdmin):
    list_display = ("title", "artist", "kind", "owner", "use_count", "duration", "created_at")
    list_filter = ("kind",)
    search_fields = ("title", "artist", "owner__username")
    readonly_fields = ("public_id", "kind", "owner", "audio_path", "duration", "use_count", "source_video",
                       "created_at")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = TrackForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("title", "artist", "licence", "audio")
        return ("public_id", "title", "artist", "licence", "kind", "owner", "audio_path", "duration", "use_count",
                "source_video", "created_at")

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["title", "artist", "licence"])
            return
        upload = form.cleaned_data.get("audio")
        if upload is None:
            raise forms.ValidationError(_("Choose an audio file."))
        import tempfile
        from pathlib import Path

        with tempfile.NamedTemporaryFile(dir=work_dir(), suffix=Path(upload.name).suffix[:8]) as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
            fh.flush()
            sound = actions.add_library_track(local_path=Path(fh.name), title=obj.title, artist=obj.artist,
                                              licence=obj.licence)
        obj.pk, obj.public_id = sound.pk, sound.public_id
        obj.__dict__.update({k: v for k, v in sound.__dict__.items() if not k.startswith("_")})

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except (ApiError, forms.ValidationError) as exc:
            self.message_user(request, getattr(exc, "detail", None) or "; ".join(exc.messages), messages.ERROR)
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(request.path)

    def delete_model(self, request, obj):
        actions.delete_sound(obj)


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    # Drafts are private: staff see that they exist and their state (for support), not their content.
    list_display = ("public_id", "owner", "kind", "status", "publish_at", "updated_at")
    list_filter = ("kind", "status")
    fields = readonly_fields = ("public_id", "owner", "kind", "status", "error_code", "publish_at", "result_video",
                                "created_at", "updated_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
