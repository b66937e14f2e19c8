from django.urls import path

from reelbox.studio import views

app_name = "studio"
urlpatterns = [
    path("studio/", views.studio, name="studio"),
    path("studio/drafts", views.drafts, name="drafts"),
    path("sound/<str:sound_id>", views.sound_page, name="sound"),
]
