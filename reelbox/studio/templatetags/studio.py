from django import template

from reelbox.studio import queries
from reelbox.videos import queries as video_queries

register = template.Library()


@register.inclusion_tag("studio/_video_links.html", takes_context=True)
def studio_links(context, video):
    """On a video's page: what it answers (a duet or stitch), its sound, and the viewer's duet/stitch buttons."""
    viewer = context["request"].user
    sound = queries.video_sound(video)
    if sound is not None and queries.access_sound(viewer, sound.public_id) is None:
        sound = None
    signed_in = viewer.is_authenticated
    return {
        "video": video,
        "remix": queries.remix_of(viewer, video),
        "sound": sound,
        "sound_title": queries.sound_title(sound) if sound is not None else "",
        "can_duet": signed_in and video_queries.interaction_allowed(viewer, video, "duet"),
        "can_stitch": signed_in and video_queries.interaction_allowed(viewer, video, "stitch"),
    }
