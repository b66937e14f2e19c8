import pytest

from tests.conftest import Api


@pytest.fixture
def api_for(client, make_user):
    """An API client acting as a given user (or a new one); staff=True makes a moderator."""
    from reelbox.accounts import actions

    def make(user=None, *, staff: bool = False):
        user = user or make_user()
        if staff and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        api = Api(client, actions.issue_token(user))
        api.user = user
        return api

    return make
