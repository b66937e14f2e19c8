from django.urls import path

from reelbox.messaging import views

app_name = "messaging"
urlpatterns = [
    path("messages", views.inbox, name="inbox"),
    path("messages/<int:conversation_id>", views.conversation, name="conversation"),
]
