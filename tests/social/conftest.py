import pytest
from django.test import Client

from tests.conftest import Api


@pytest.fixture
def person(make_user):
    """A new user with their own client (bearer token and session): ``person()`` or ``person("name")``."""
    from reelbox.accounts import actions

    def make(username: str | None = None) -> Api:
        user = make_user(username)
        client = Client()
        client.force_login(user)  # HTML pages use the session; API calls the bearer token
        api = Api(client, actions.issue_token(user))
        api.user = user
        return api

    return make
