from django.urls import path

from reelbox.moderation import views

app_name = "moderation"
urlpatterns = [
    path("moderation/", views.queue, name="queue"),
    path("moderation/cases/<int:case_id>", views.case, name="case"),
    path("moderation/cases/<int:case_id>/decide", views.decide, name="decide"),
    path("moderation/appeals", views.appeals, name="appeals"),
    path("moderation/appeals/<int:appeal_id>/resolve", views.resolve, name="resolve"),
    path("moderation/controls", views.controls, name="controls"),
    path("moderation/controls/save", views.controls_post, name="controls_post"),
    path("moderation/banks/<int:bank_id>/export", views.bank_export, name="bank_export"),
    path("moderation/notices", views.notices, name="notices"),
    path("moderation/decisions/<str:puid>/appeal", views.appeal, name="appeal"),
    path("report", views.report, name="report"),
    path("ban-appeal", views.ban_appeal, name="ban_appeal"),
    path("transparency", views.transparency, name="transparency"),
    path("transparency.csv", views.transparency_csv, name="transparency_csv"),
]
