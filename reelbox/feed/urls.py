from django.urls import path

from reelbox.feed import views

app_name = "feed"
urlpatterns = [path("", views.home, name="home")]
