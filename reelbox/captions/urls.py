from django.urls import path

from reelbox.captions import views

app_name = "captions"
urlpatterns = [
    path("v/<str:video_id>/captions", views.manage, name="manage"),
]
