import pytest
from django.test import Client

from tests.conftest import Api
from tests.factories import ready_video


@pytest.fixture
def person(make_user):
    """A new user with their own client (bearer token and session)."""
    from reelbox.accounts import actions

    def make(username: str | None = None) -> Api:
        user = make_user(username)
        client = Client()
        client.force_login(user)
        api = Api(client, actions.issue_token(user))
        api.user = user
        return api

    return make


@pytest.fixture
def post():
    """A ready video, announced through video_saved as an upload is (so discovery indexes it), then
    approved (moderation holds new uploads for review)."""
    from reelbox.videos import signals
    from reelbox.videos.models import Moderation, Video

    def make(author, caption: str, **kwargs):
        video = ready_video(author, caption=caption, **kwargs)
        signals.emit(signals.video_saved, video=video, created=True)
        Video.objects.filter(pk=video.pk).update(moderation=Moderation.APPROVED)
        video.refresh_from_db()
        return video

    return make
