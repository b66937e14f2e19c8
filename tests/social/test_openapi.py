import pytest

pytestmark = pytest.mark.django_db


def test_social_endpoints_are_in_the_openapi_schema(api):
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    for path in ["/api/v1/users/{username}/follow", "/api/v1/users/{username}/followers",
                 "/api/v1/me/follow-requests", "/api/v1/users/{username}/block", "/api/v1/users/{username}/mute",
                 "/api/v1/videos/{video_id}/like", "/api/v1/videos/{video_id}/bookmark", "/api/v1/me/bookmarks",
                 "/api/v1/videos/{video_id}/share", "/api/v1/videos/{video_id}/comments",
                 "/api/v1/comments/{comment_id}/replies", "/api/v1/comments/{comment_id}/pin", "/api/v1/me/privacy",
                 "/api/v1/me/video-states", "/api/v1/users/{username}/videos"]:
        assert path in paths, path
    assert "patch" in paths["/api/v1/videos/{video_id}"]
