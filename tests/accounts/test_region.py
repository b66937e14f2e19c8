"""A person's country (User.region): guessed from the browser at sign-up, editable, validated, only theirs."""

import pytest

from reelbox.accounts.models import User
from reelbox.core import regions

pytestmark = pytest.mark.django_db

GOOD = "a long enough passphrase"


def api_signup(api, username="rita", **extra):
    headers = extra.pop("headers", None)
    return api.post("/api/v1/auth/signup", {"username": username, "password": GOOD,
                                            "email": f"{username}@example.test", **extra}, headers=headers)


def test_web_signup_takes_the_region_from_accept_language(client):
    response = client.post("/signup", {"username": "bia", "email": "b@example.test", "password": GOOD},
                           headers={"Accept-Language": "pt-BR,pt;q=0.9"})
    assert response.status_code == 302
    assert User.objects.get(username="bia").region == "BR"
    assert client.get("/api/v1/me").json()["region"] == "BR"


def test_api_signup_region_from_header_or_body(api):
    assert api_signup(api, "ana", headers={"Accept-Language": "pt-BR,pt;q=0.9"}).status_code == 201
    assert User.objects.get(username="ana").region == "BR"
    assert api_signup(api, "budi", region="id", headers={"Accept-Language": "pt-BR"}).status_code == 201
    assert User.objects.get(username="budi").region == "ID"  # the body wins
    assert api_signup(api, "carla", headers={"Accept-Language": "es-419,es;q=0.8"}).status_code == 201
    assert User.objects.get(username="carla").region == ""  # Latin America is not a country


@pytest.mark.parametrize("bad", ["XX", "ZZ", "BRA", "001", "EU", "UK"])
def test_api_signup_refuses_a_bad_region(api, bad):
    response = api_signup(api, region=bad)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_region" and body["detail"]
    assert not User.objects.filter(username="rita").exists()


def test_patch_profile_region(auth_api):
    response = auth_api.patch("/api/v1/me", {"region": "mx"})
    assert response.status_code == 200 and response.json()["region"] == "MX"
    bad = auth_api.patch("/api/v1/me", {"region": "ZZZ"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_region"
    assert auth_api.get("/api/v1/me").json()["region"] == "MX"
    assert auth_api.patch("/api/v1/me", {"bio": "hi"}).json()["region"] == "MX"  # omitted: unchanged
    assert auth_api.patch("/api/v1/me", {"region": ""}).json()["region"] == ""


def test_region_is_not_on_the_public_profile(api, make_user):
    user = make_user("hidden")
    User.objects.filter(pk=user.pk).update(region="BR")
    assert "region" not in api.get("/api/v1/users/hidden").json()


def test_settings_page_offers_localised_countries(client, make_user):
    user = make_user()
    client.force_login(user)
    page = client.get("/settings/profile", headers={"Accept-Language": "zh-hans"}).content.decode()
    assert '<option value="BR">巴西</option>' in page and '<option value="" selected>' in page
    response = client.post("/settings/profile", {"display_name": "", "bio": "", "region": "BR"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.region == "BR"
    page = client.get("/settings/profile", headers={"Accept-Language": "pt-br"}).content.decode()
    assert '<option value="BR" selected>Brasil</option>' in page
    assert client.post("/settings/profile", {"region": "ZZ"}).status_code == 400
    assert client.post("/settings/profile", {"region": ""}).status_code == 302
    user.refresh_from_db()
    assert user.region == ""


def test_region_helpers():
    assert regions.normalise(" br ") == "BR" and regions.normalise("") == "" and regions.normalise("ZZ") is None
    assert "BR" in regions.codes() and not {"001", "ZZ", "EU", "UN", "UK", "QO"} & regions.codes()
    assert regions.from_accept_language("pt-BR,pt;q=0.9") == "BR"
    assert regions.from_accept_language("es-419") == ""
    assert regions.from_accept_language("zh-Hant-TW") == "TW"
    assert regions.from_accept_language("en;q=0.4, id-ID;q=0.9") == "ID"  # by preference
    assert regions.from_accept_language("") == "" and regions.from_accept_language("x" * 100_000) == ""
    assert regions.name("BR", "zh-hans") == "巴西" and regions.name("BR", "pt-br") == "Brasil"
    names = [n for _, n in regions.choices("en")]
    assert names[0] == "Afghanistan" and names.index("Åland Islands") < names.index("Albania")  # accents folded
