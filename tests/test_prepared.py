"""Prepared reads give exactly what the ORM gives, for any values, and fall back to the ORM when unsure."""

from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reelbox.accounts.models import User
from reelbox.core.prepared import Prepared
from reelbox.feed.models import Feedback
from reelbox.videos.models import Video
from tests.factories import ready_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def videos():
    author = User.objects.create_user("author", "a@example.test", "a long passphrase")
    return [ready_video(author, caption=f"v{i}") for i in range(5)]


def test_same_rows_as_the_orm_for_every_list(videos):
    build = lambda pks: Video.objects.filter(pk__in=pks).order_by("pk").values_list("pk", "caption")  # noqa: E731
    prepared = Prepared(build)
    pks = [v.pk for v in videos]
    for chosen in (pks[:2], pks[2:4], pks, [pks[0], -5], [-7]):
        assert prepared.rows(chosen) == list(build(chosen))
    assert prepared.rows([]) == []


def test_values_are_converted_like_the_orm_does(videos):
    # Dates come back as aware datetimes on SQLite (stored as text) as on PostgreSQL.
    now = timezone.now()
    for n, device in enumerate(["phone-a", "phone-a", "phone-b"]):
        Feedback.objects.create(device_id=device, kind=Feedback.Kind.NOT_INTERESTED, video=videos[n],
                                created_at=now - timedelta(minutes=n))

    def build(device):
        return Feedback.objects.filter(device_id=device, user__isnull=True).order_by("-created_at").values_list(
            "video_id", "created_at")[:10]

    prepared = Prepared(build)
    for device in ("phone-a", "phone-b", "nobody", "phone-a"):
        rows = prepared.rows(device)
        assert rows == list(build(device))
    assert prepared.rows("phone-a")[0][1] == now


def test_compiled_once_then_plain_sql(videos):
    prepared = Prepared(lambda pk: Video.objects.filter(pk=pk).values_list("caption"))
    prepared.rows(videos[0].pk)
    with CaptureQueriesContext(connection) as queries:
        assert prepared.rows(videos[1].pk) == [("v1",)]
    assert len(queries) == 1


def test_ambiguous_values_go_through_the_orm(videos):
    # The same value twice in the SQL: the stand-in cannot tell which slot is which, so every call uses the ORM.
    build = lambda pk: Video.objects.filter(pk=pk).exclude(author_id=pk).values_list("caption")  # noqa: E731
    prepared = Prepared(build)
    assert prepared.rows(videos[2].pk) == [("v2",)] == list(build(videos[2].pk))
    # A value the ORM rewrites (icontains wraps it in wildcards) is not found verbatim: ORM too.
    contains = Prepared(lambda text: Video.objects.filter(caption__icontains=text).values_list("pk"))
    assert {pk for (pk,) in contains.rows("v3")} == {videos[3].pk}


def test_queries_are_counted_when_someone_counts_them(videos):
    prepared = Prepared(lambda pks: Video.objects.filter(pk__in=pks).order_by("pk").values_list("pk"))
    pks = [v.pk for v in videos]
    prepared.rows(pks)  # compiled
    with CaptureQueriesContext(connection) as captured:
        assert prepared.rows(pks) == [(pk,) for pk in sorted(pks)]
    assert len(captured.captured_queries) == 1


def test_sqlite_reads_go_straight_to_the_driver(videos, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("the driver path is SQLite's")
    prepared = Prepared(lambda pks: Video.objects.filter(pk__in=pks).order_by("pk").values_list("pk", "created_at"))
    pks = [v.pk for v in videos]
    expected = list(Video.objects.filter(pk__in=pks).order_by("pk").values_list("pk", "created_at"))

    def no_wrapper(*args, **kwargs):
        raise AssertionError("went through Django's cursor wrapper")

    monkeypatch.setattr(connections["default"], "cursor", no_wrapper)
    assert prepared.rows(pks) == expected  # converters applied too: aware datetimes, not SQLite's text
