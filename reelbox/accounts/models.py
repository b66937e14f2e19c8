import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    """Who may do something to a person's content (comment, duet, stitch, download, message)."""

    EVERYONE = "everyone", _("Everyone")
    FOLLOWERS = "followers", _("Followers")
    NOBODY = "nobody", _("No one")


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    bio = models.CharField(_("bio"), max_length=300, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    # The UI language the person chose (a LANGUAGES code); blank follows the browser.
    language = models.CharField(_("language"), max_length=16, blank=True)
    # The country the person is in (ISO 3166-1 alpha-2, uppercase; reelbox.core.regions); blank = not set.
    # Guessed from Accept-Language at sign-up, editable in settings; it picks their regional trends.
    region = models.CharField(_("region"), max_length=2, blank=True, default="")

    # Privacy. A private account's videos and lists are for accepted followers only.
    is_private = models.BooleanField(_("private account"), default=False)
    who_can_comment = models.CharField(_("who can comment"), max_length=10, choices=Audience.choices,
                                       default=Audience.EVERYONE)
    who_can_duet = models.CharField(_("who can duet"), max_length=10, choices=Audience.choices,
                                    default=Audience.EVERYONE)
    who_can_stitch = models.CharField(_("who can stitch"), max_length=10, choices=Audience.choices,
                                      default=Audience.EVERYONE)
    who_can_download = models.CharField(_("who can download"), max_length=10, choices=Audience.choices,
                                        default=Audience.EVERYONE)
    who_can_message = models.CharField(_("who can message"), max_length=10, choices=Audience.choices,
                                       default=Audience.FOLLOWERS)

    # Denormalised counters, kept by social.actions with F() in the transaction
    # that writes the follow row, so profiles never count rows.
    follower_count = models.PositiveIntegerField(default=0)
    following_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(models.functions.Lower("username"), name="accounts_user_username_ci_unique"),
        ]

    @property
    def shown_name(self) -> str:
        return shown_name(self.username, self.display_name)


def shown_name(username: str, display_name: str | None) -> str:
    """The name a user goes by: the display name, or the username when none is set. Also for column reads."""
    return display_name or username


class ApiToken(models.Model):
    """A bearer token for API clients; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
