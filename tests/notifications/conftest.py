import pytest

from tests.social.conftest import person  # noqa: F401 - shared fixture


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """``with commit(): ...`` runs what the block queued for after commit, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
