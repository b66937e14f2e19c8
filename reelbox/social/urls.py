from django.urls import path

from reelbox.social import views

app_name = "social"
urlpatterns = [
    path("settings/privacy", views.privacy, name="privacy"),
    path("settings/privacy/requests/<str:username>/<str:answer>", views.answer_request, name="answer_request"),
    path("settings/privacy/blocked/<str:username>/unblock", views.unblock, name="unblock"),
    path("bookmarks", views.bookmarks, name="bookmarks"),
    path("@<str:username>/followers", views.follow_list, {"direction": "followers"}, name="followers"),
    path("@<str:username>/following", views.follow_list, {"direction": "following"}, name="following"),
]
