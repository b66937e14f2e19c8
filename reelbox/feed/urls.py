from django.urls import path

from reelbox.feed import views

app_name = "feed"
urlpatterns = [
    path("", views.home, name="home"),
    path("following", views.following, name="following"),
    path("interests", views.interests, name="interests"),
]
