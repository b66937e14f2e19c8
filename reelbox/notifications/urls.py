from django.urls import path

from reelbox.notifications import views

app_name = "notifications"
urlpatterns = [
    path("notifications", views.notifications, name="list"),
]
urlpatterns.append(path("settings/notifications", views.preferences, name="preferences"))
