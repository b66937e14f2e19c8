import pytest

pytestmark = pytest.mark.django_db


def test_signup_login_logout_in_the_web_ui(client):
    page = client.get("/signup")
    assert page.status_code == 200 and b"csrfmiddlewaretoken" in page.content
    response = client.post("/signup", {"username": "dora", "email": "d@example.test",
                                       "password": "a long enough passphrase"})
    assert response.status_code == 302
    assert client.get("/api/v1/me").json()["username"] == "dora"
    client.post("/logout")
    assert client.get("/api/v1/me").status_code == 401
    bad = client.post("/login", {"username": "dora", "password": "wrong password"})
    assert bad.status_code == 400 and "Wrong username or password" in bad.content.decode()
    assert client.post("/login", {"username": "DORA", "password": "a long enough passphrase"}).status_code == 302


def test_web_forms_enforce_csrf(make_user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/login", {"username": "x", "password": "y"}).status_code == 403


def test_session_api_posts_need_csrf(make_user):
    from django.test import Client

    user = make_user()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    response = strict.post("/api/v1/events", {"events": [{"video_id": "x", "type": "play"}]},
                           content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"


def test_weak_password_shows_readable_error(client):
    response = client.post("/signup", {"username": "eddie", "email": "e@example.test", "password": "12345678"})
    assert response.status_code == 400
    assert "too common" in response.content.decode()


def test_profile_edit(client, make_user):
    user = make_user()
    client.force_login(user)
    assert client.post("/settings/profile", {"display_name": "New Name", "bio": "about me"}).status_code == 302
    page = client.get(f"/@{user.username}")
    assert "New Name" in page.content.decode() and "about me" in page.content.decode()


def test_language_switch_to_chinese(client):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login"}, follow=True)
    assert '<html lang="zh-hans"' in response.content.decode()
    assert "登录" in response.content.decode()


def test_language_from_browser(client):
    response = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "登录" in response.content.decode()
