from django.urls import path

from reelbox.accounts import views

app_name = "accounts"
urlpatterns = [
    path("signup", views.signup, name="signup"),
    path("login", views.login_view, name="login"),
    path("logout", views.logout_view, name="logout"),
    path("settings/profile", views.edit_profile, name="edit"),
    path("@<str:username>", views.profile, name="profile"),
]
