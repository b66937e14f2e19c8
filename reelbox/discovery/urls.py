from django.urls import path

from reelbox.discovery import views

app_name = "discovery"
urlpatterns = [
    path("discover", views.discover, name="discover"),
    path("tag/<str:name>", views.tag, name="tag"),
    path("challenges", views.challenges, name="challenges"),
    path("challenges/new", views.new_challenge, name="new_challenge"),
    path("challenge/<str:challenge_id>", views.challenge, name="challenge"),
]
