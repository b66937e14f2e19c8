import pytest

pytestmark = pytest.mark.django_db

GOOD = "a long enough passphrase"


def signup(api, username="alice", password=GOOD, email="alice@example.test", **headers):
    return api.post("/api/v1/auth/signup", {"username": username, "password": password, "email": email},
                    headers=headers or None)


def test_signup_returns_token_usable_as_bearer(api, client):
    response = signup(api)
    assert response.status_code == 201, response.content
    token = response.json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["username"] == "alice"


def test_password_is_hashed_with_argon2id(api):
    from reelbox.accounts.models import User

    signup(api)
    encoded = User.objects.get(username="alice").password
    assert encoded.startswith("argon2$argon2id$")
    # m >= 19 MiB, t >= 2 (OWASP).
    params = dict(p.split("=") for p in encoded.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024 and int(params["t"]) >= 2


@pytest.mark.parametrize(
    ("password", "fragment"),
    [("short1", "too short"), ("password123", "too common"), ("x" * 129, "too long")],
)
def test_weak_passwords_refused_naming_the_field(api, password, fragment):
    response = signup(api, password=password)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "weak_password"
    assert body["detail"].startswith("password:") and fragment in body["detail"]


def test_long_passphrase_without_composition_rules_accepted(api):
    assert signup(api, password="b" * 3 + " plain lowercase words only " + "z" * 33).status_code == 201


def test_bad_username_and_email(api):
    assert signup(api, username="a b").json()["code"] == "invalid_username"
    assert signup(api, email="not-an-email").json()["code"] == "invalid_email"
    assert signup(api).status_code == 201
    taken = signup(api, username="ALICE", email="other@example.test")
    assert taken.status_code == 409 and taken.json()["code"] == "username_taken"


def test_missing_field_is_400_naming_it(api):
    response = api.post("/api/v1/auth/signup", {"username": "bob", "password": GOOD})
    assert response.status_code == 400
    assert "email" in response.json()["detail"]


def test_token_login_case_insensitive_and_wrong_password(api):
    signup(api)
    ok = api.post("/api/v1/auth/token", {"username": "Alice", "password": GOOD})
    assert ok.status_code == 200 and ok.json()["token"].startswith("rbx_")
    bad = api.post("/api/v1/auth/token", {"username": "alice", "password": "wrong password here"})
    assert bad.status_code == 401 and bad.json()["code"] == "invalid_credentials"


def test_invalid_and_revoked_token(api, client):
    token = signup(api).json()["token"]
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_signup_rate_limit_per_ip(api):
    for i in range(5):
        response = signup(api, username=f"user{i}", email=f"u{i}@example.test")
        assert response.status_code == 201
        assert response["RateLimit-Limit"] == "5"
        assert response["RateLimit-Remaining"] == str(4 - i)
    limited = signup(api, username="user9", email="u9@example.test")
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0
    assert limited["X-RateLimit-Remaining"] == "0"


def test_rate_limits_are_shared_by_every_web_process(api, settings):
    """The embedded mode serves from several processes: they share one quota instead of granting one each."""
    import os
    import subprocess
    import sys

    spend = ("import os, types; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'reelbox.settings'); import django; "
             "django.setup(); from reelbox.core import ratelimit; "
             "[ratelimit.hit(types.SimpleNamespace(), 'signup', '127.0.0.1') for _ in range(4)]")
    env = os.environ | {"REELBOX_DATA_DIR": str(settings.DATA_DIR)}
    subprocess.run([sys.executable, "-c", spend], env=env, check=True, timeout=120)
    response = signup(api, username="last", email="last@example.test")
    assert response.status_code == 201 and response["RateLimit-Remaining"] == "0"
    assert signup(api, username="over", email="over@example.test").status_code == 429


def test_login_rate_limit(api, make_user):
    make_user("carol")
    codes = [api.post("/api/v1/auth/token", {"username": "carol", "password": "wrong wrong wrong"}).status_code
             for _ in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429


def test_profile_update_and_public_profile(auth_api, api):
    response = auth_api.client.patch("/api/v1/me", {"display_name": "Ünïcode 名字", "bio": "hi"},
                                     content_type="application/json",
                                     headers={"Authorization": f"Bearer {auth_api.token}"})
    assert response.status_code == 200
    public = api.get(f"/api/v1/users/{auth_api.user.username}").json()
    assert public["display_name"] == "Ünïcode 名字" and public["bio"] == "hi"
    assert api.get("/api/v1/users/nobody-here").status_code == 404


def test_avatar_must_be_an_image(auth_api, tmp_path):
    from PIL import Image

    fake = tmp_path / "avatar.png"
    fake.write_bytes(b"not an image at all")
    assert auth_api.upload("/api/v1/me/avatar", fake, field="avatar").json()["code"] == "invalid_avatar"
    real = tmp_path / "real.png"
    Image.new("RGB", (64, 64), "red").save(real)
    response = auth_api.upload("/api/v1/me/avatar", real, field="avatar")
    assert response.status_code == 200 and response.json()["avatar_url"]


def test_me_requires_auth(api):
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Log in to do this.", "code": "not_authenticated"}
