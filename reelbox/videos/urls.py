from django.urls import path

from reelbox.videos import views

app_name = "videos"
urlpatterns = [
    path("upload", views.upload, name="upload"),
    path("v/<str:video_id>", views.detail, name="detail"),
    path("v/<str:video_id>/settings", views.update_settings, name="settings"),
]
