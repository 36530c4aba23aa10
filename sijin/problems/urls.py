from django.urls import path

from . import views, views_supervision

app_name = "problems"
urlpatterns: list = [
    path("supervision/", views_supervision.supervision, name="supervision"),
    path(
        "supervision/<int:org_id>/notice.docx",
        views_supervision.supervision_notice,
        name="supervision_notice",
    ),
    path("", views.problem_list, name="problem_list"),
    path("<int:pk>/", views.problem_detail, name="problem_detail"),
    path("<int:pk>/act/<slug:action>/", views.problem_act, name="problem_act"),
    path("attachments/<int:pk>/", views.problem_attachment, name="problem_attachment"),
]
