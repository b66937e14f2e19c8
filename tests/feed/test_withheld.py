"""For You's exact copy of what may be recommended: the audience change log written by database triggers, and
the per-process mask that follows it (reelbox.videos.audience, reelbox.feed.withheld)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.db import connection
from django.utils import timezone

from reelbox.accounts.models import User
from reelbox.feed import queries, recommender, withheld
from reelbox.feed.queries import clear_caches
from reelbox.videos import audience
from reelbox.videos.models import AudienceChange, Moderation, Video
from tests.factories import ready_video

pytestmark = pytest.mark.django_db


def logged() -> list[tuple[int | None, int | None]]:
    return list(AudienceChange.objects.order_by("id").values_list("video_id", "author_id"))


def test_every_write_path_logs_audience_changes_and_nothing_else(make_user):
    alice = make_user()
    video = ready_video(alice)
    AudienceChange.objects.all().delete()
    # A caption edit or a view count does not change who may see the video.
    Video.objects.filter(pk=video.pk).update(caption="new words", view_count=5)
    video.refresh_from_db()
    video.save()
    assert logged() == []
    Video.objects.filter(pk=video.pk).update(moderation=Moderation.HELD)  # bulk: no model save, no signal
    with connection.cursor() as cursor:  # raw SQL
        cursor.execute(f"UPDATE {Video._meta.db_table} SET visibility = 'private' WHERE id = %s", [video.pk])
    video.refresh_from_db()
    video.status = Video.Status.FAILED
    video.save()
    User.objects.filter(pk=alice.pk).update(is_private=True)
    alice.refresh_from_db()
    alice.is_active = False
    alice.save()
    alice.first_name = "Alice"
    alice.save()  # not an audience change
    pk = video.pk
    video.delete()
    assert logged() == [(pk, None)] * 3 + [(None, alice.pk)] * 2 + [(pk, None)]
    assert all(at <= timezone.now() for at in AudienceChange.objects.values_list("at", flat=True))


def test_the_sweep_prunes_old_rows(make_user):
    video = ready_video(make_user())
    Video.objects.filter(pk=video.pk).update(moderation=Moderation.HELD)
    assert audience.prune() == 0
    assert audience.prune(now=timezone.now() + audience.KEEP + timedelta(minutes=1)) == 1
    assert not AudienceChange.objects.exists()


def test_triggers_survive_a_table_rebuild(make_user):
    """SQLite rebuilds a table to alter most columns, dropping its triggers; every migrate installs them again."""
    from django.core.management import call_command

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER reelbox_audience_{Video._meta.db_table}_update")
    call_command("migrate", verbosity=0)
    video = ready_video(make_user())
    Video.objects.filter(pk=video.pk).update(moderation=Moderation.BLOCKED)
    assert logged()[-1] == (video.pk, None)


@pytest.fixture
def served(make_user):
    """24 videos by four creators, and a model trained on them."""
    creators = [make_user() for _ in range(4)]
    videos = [ready_video(creators[n % 4], caption=f"clip {n} #topic{n % 3}") for n in range(24)]
    recommender.train()
    clear_caches()
    return creators, videos


def personal_page(api, history=()) -> set[str]:
    events = [{"video_id": v.public_id, "type": t, "watch_ms": 5000} for v in history for t in ("play", "complete")]
    if events:
        assert api.post("/api/v1/events", {"events": events}).status_code == 200
    items = api.get("/api/v1/feed/foryou", limit=10).json()["items"]
    assert len(items) == 10 and {i["reason"]["code"] for i in items} & {"similar_to_watched", "matches_interest"}
    return {i["id"] for i in items}


@pytest.fixture
def every_page(monkeypatch):
    """Read the log on every page rather than every SYNC_S."""
    monkeypatch.setattr(audience, "SYNC_S", 0.0)


def test_audience_changes_reach_the_next_page_without_any_cache_clearing(auth_api, served, every_page):
    """Written as another process would (bulk updates, no in-process hook): only the log tells this one."""
    creators, videos = served
    rest = {v.public_id for v in videos[2:]}
    assert personal_page(auth_api, videos[:2]) <= rest
    held, private = videos[2], videos[3]
    Video.objects.filter(pk=held.pk).update(moderation=Moderation.HELD)
    Video.objects.filter(pk=private.pk).update(visibility=Video.Visibility.PRIVATE)
    hidden_author = creators[0]
    assert hidden_author.pk not in {held.author_id, private.author_id}
    User.objects.filter(pk=hidden_author.pk).update(is_private=True)
    gone = {held.public_id, private.public_id} | {v.public_id for v in videos if v.author_id == hidden_author.pk}
    assert len(gone) == 8
    assert personal_page(auth_api) <= rest - gone
    # And back: approved again, public again.
    Video.objects.filter(pk=held.pk).update(moderation=Moderation.APPROVED)
    User.objects.filter(pk=hidden_author.pk).update(is_private=False)
    engine, mask = recommender.serving()
    index = engine.model.catalog.index
    assert [v.public_id for v in videos if mask.current()[index[v.pk]]] == [private.public_id]


def test_a_change_committed_below_the_mark_is_applied_once(served, monkeypatch, every_page):
    """PostgreSQL takes a row's id when it is written and shows the row when its transaction commits: a row can
    appear below ids already read. Rows of the transactions the previous read could not see (running then, or
    begun since) are read again, and applied once."""
    _creators, videos = served
    engine, mask = recommender.serving()
    index = engine.model.catalog.index
    follower = audience.follower
    mask.current()
    Video.objects.filter(pk=videos[3].pk).update(moderation=Moderation.REMOVED)
    late = AudienceChange.objects.latest("id")
    # As if the row had been invisible at a read that went past its id, while transaction 200 ran.
    running = audience.Horizon(next=300, running=frozenset({200}))
    monkeypatch.setattr(audience, "horizon", lambda: running)
    follower.mark, follower.horizon = late.id, running
    AudienceChange.objects.filter(pk=late.pk).update(txid=100)
    assert not mask.current()[index[videos[3].pk]]  # written by a transaction that had committed: seen then
    AudienceChange.objects.filter(pk=late.pk).update(txid=200)
    assert mask.current()[index[videos[3].pk]]
    assert follower.pending == {late.id}  # read again while transaction 200 may still commit
    applied = []
    monkeypatch.setattr(withheld.Withheld, "_apply", lambda self, rows: applied.append(rows))
    mask.current()
    monkeypatch.setattr(audience, "horizon", lambda: audience.Horizon(next=300, running=frozenset({250})))
    mask.current()
    mask.current()
    assert applied == [] and follower.pending == set()
    AudienceChange.objects.filter(pk=late.pk).update(txid=300)  # begun after that read
    follower.horizon = running
    mask.current()
    assert len(applied) == 1


def test_a_transaction_left_open_does_not_make_each_read_larger(served, settings):
    """Only the rows of transactions a read could not see are read again: a session idle in a transaction since
    before the changes below does not bring them back at every read (PostgreSQL)."""
    if connection.vendor != "postgresql":
        pytest.skip("transaction ids and snapshots are PostgreSQL's")
    import psycopg

    _creators, videos = served
    db = settings.DATABASES["default"]
    params = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "dbname": db["NAME"]}
    with psycopg.connect(**params) as idle, psycopg.connect(**params, autocommit=True) as other:
        # Begins a transaction with an id, then leaves it open; another one commits after it began.
        txid = int(idle.execute("SELECT pg_current_xact_id()::text").fetchone()[0])
        other.execute("SELECT pg_current_xact_id()")
        running = audience.horizon()
        assert txid in running.running
        mark = audience.latest_id()
        Video.objects.filter(pk=videos[0].pk).update(moderation=Moderation.HELD)
        rows = audience.since(mark, running)
        assert [r[1] for r in rows] == [videos[0].pk]
        assert audience.since(rows[-1][0], audience.horizon()) == []


def test_the_mask_starts_afresh_when_the_log_may_have_been_pruned_past_it(served, every_page):
    _creators, videos = served
    engine, mask = recommender.serving()
    Video.objects.filter(pk=videos[5].pk).update(status=Video.Status.FAILED)
    AudienceChange.objects.all().delete()  # pruned before this process read it
    audience.follower.synced_at -= audience.KEEP.total_seconds()
    assert mask.current()[engine.model.catalog.index[videos[5].pk]]
    assert mask.current().sum() == 1


def test_other_processes_changes_are_read_every_sync_s_and_this_ones_at_once(served, make_user, monkeypatch):
    from reelbox.moderation import actions as moderation

    monkeypatch.setattr(audience, "SYNC_S", 600.0)
    moderator = make_user()
    moderator.is_staff = True
    moderator.save()
    _creators, videos = served
    engine, mask = recommender.serving()
    index = engine.model.catalog.index
    mask.current()
    Video.objects.filter(pk=videos[0].pk).update(moderation=Moderation.HELD)  # as another process would
    assert not mask.current()[index[videos[0].pk]]
    audience.follower.synced_at -= 600.0
    assert mask.current()[index[videos[0].pk]]
    moderation.act(moderator, "video", videos[1].public_id, "remove")
    assert mask.current()[index[videos[1].pk]]


def test_a_new_model_carries_the_mask_over_and_asks_only_about_new_videos(served, monkeypatch, every_page):
    creators, videos = served
    _engine, mask = recommender.serving()
    # Limited reach: still in the next model's catalogue (it trains on playable videos), never in For You.
    Video.objects.filter(pk=videos[0].pk).update(moderation=Moderation.LIMITED)
    mask.current()
    fresh = ready_video(creators[1], caption="fresh #topic1")
    recommender.train()
    monkeypatch.setattr(withheld.Withheld, "_load_all", lambda self: pytest.fail("read the whole catalogue again"))
    recommender._serving.checked_at = float("-inf")
    engine, carried = recommender.serving(wait=True)
    assert carried is not mask and carried.catalog is engine.model.catalog
    index = engine.model.catalog.index
    assert fresh.pk in index and [pk for pk in index if carried.current()[index[pk]]] == [videos[0].pk]
    # Changes after the carried mark still arrive.
    Video.objects.filter(pk=fresh.pk).update(visibility=Video.Visibility.FOLLOWERS)
    assert carried.current()[index[fresh.pk]]


def test_the_engine_never_recommends_what_the_mask_holds(served):
    _creators, videos = served
    engine, _mask = recommender.serving()
    everything = {r.item for r in engine.recommend(None, 24)}
    assert everything == {v.pk for v in videos}
    held = np.zeros(len(engine.model.catalog), dtype=bool)
    held[[engine.model.catalog.index[v.pk] for v in videos[:6]]] = True
    assert {r.item for r in engine.recommend(None, 24, held=held)} == {v.pk for v in videos[6:]}


def cold_page(client) -> list[str]:
    """A first visit's page (no cookies): the shared cold list."""
    client.cookies.clear()
    body = client.get("/api/v1/feed/foryou", {"limit": 10}).json()
    assert all(i["reason"]["code"] in {"trending", "popular", "new_video"} for i in body["items"])
    return [i["id"] for i in body["items"]]


def test_cold_pages_follow_the_log_before_their_shared_list_is_rebuilt(client, served, every_page):
    creators, videos = served
    first = cold_page(client)
    by_id = {v.public_id: v for v in videos}
    held, author = by_id[first[0]], by_id[first[1]].author_id
    Video.objects.filter(pk=held.pk).update(moderation=Moderation.HELD)  # as another process would
    User.objects.filter(pk=author).update(is_private=True)
    cached = queries._candidates.get("cold")[1]
    assert held.pk in {pk for pk, _a, _c in cached}  # the list is still the one read before the changes
    gone = {held.public_id} | {v.public_id for v in videos if v.author_id == author}
    second = cold_page(client)
    assert len(second) == 10 and not gone & set(second)
    # Rebuilt, the list leaves out what is still withheld and has what came back.
    User.objects.filter(pk=author).update(is_private=False)
    queries.forget_lists()
    listed = {pk for pk, _a, _c in queries.cold_list()[1]}
    assert held.pk not in listed and {v.pk for v in videos if v.author_id == author} <= listed


def test_a_newcomer_withheld_elsewhere_leaves_personal_pages_at_once(auth_api, served, make_user, every_page):
    _creators, videos = served
    newcomer = ready_video(make_user(), caption="just uploaded #topic1")
    assert newcomer.pk not in recommender.serving_engine().model.catalog.index
    assert newcomer.public_id in personal_page(auth_api, videos[:2])
    Video.objects.filter(pk=newcomer.pk).update(visibility=Video.Visibility.PRIVATE)
    assert newcomer.pk in {pk for pk, _a in queries._candidates.get("unranked")[1]}
    assert newcomer.public_id not in personal_page(auth_api)


def test_a_shared_list_read_before_the_kept_log_is_read_again(client, served, monkeypatch, every_page):
    _creators, videos = served
    cold_page(client)
    monkeypatch.setattr(audience, "MAX_KEPT", 1)
    Video.objects.filter(pk__in=[v.pk for v in videos[:2]]).update(moderation=Moderation.HELD)
    stale = queries._candidates.get("cold")
    assert len(cold_page(client)) == 10
    position, entries = queries._candidates.get("cold")
    assert position > stale[0] and not {videos[0].pk, videos[1].pk} & {pk for pk, _a, _c in entries}


def test_a_video_ready_before_a_list_is_read_is_on_it(client, served, make_user, monkeypatch):
    """A list takes the log's position after reading the log: a change committed before the list was read (an
    upload the worker just finished) is not counted as a change since."""
    monkeypatch.setattr(audience, "SYNC_S", 600.0)
    cold_page(client)
    fresh = ready_video(make_user(), caption="just finished")
    Video.objects.filter(pk=fresh.pk).update(status=Video.Status.PROCESSING)
    Video.objects.filter(pk=fresh.pk).update(status=Video.Status.READY)  # as the worker's process would
    queries.forget_lists()  # the list's 2 s are over
    audience.follower.synced_at -= 600.0  # and the log is due to be read again
    assert fresh.public_id in cold_page(client)
