import pytest

from reelbox.media import beats
from reelbox.studio.demo import TRACKS, seed_library
from reelbox.studio.models import Sound
from reelbox.videos import storage

pytestmark = pytest.mark.django_db


def test_demo_library_tracks_have_a_beat():
    assert seed_library() == len(TRACKS)
    assert seed_library() == 0  # idempotent
    tracks = Sound.objects.filter(kind=Sound.Kind.LIBRARY)
    assert tracks.count() == len(TRACKS)
    first = tracks.get(title=TRACKS[0][0])
    with storage.local_copy(first.audio_path) as path:
        found = beats.detect(path)
    assert found.tempo == pytest.approx(TRACKS[0][2], rel=0.08) or found.tempo == pytest.approx(TRACKS[0][2] * 2, rel=0.08)
