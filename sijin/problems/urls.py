from django.urls import path

from . import views, views_similar

app_name = "problems"
urlpatterns = [
    path("", views.problem_list, name="problem_list"),
    path("<id:pk>/", views.problem_detail, name="problem_detail"),
    path("<id:pk>/act/<slug:action>/", views.problem_act, name="problem_act"),
    path("<id:pk>/urge/", views.problem_urge_view, name="problem_urge"),
    path("<id:pk>/photos/", views.problem_photo, name="problem_photo_add"),
    path("<id:pk>/visit-photos/<id:photo_pk>/", views.problem_visit_photo, name="problem_visit_photo"),
    path("bulk/", views.problem_bulk, name="problem_bulk"),
    path("bulk/options/", views.problem_bulk_options, name="problem_bulk_options"),
    path("attachments/<id:pk>/", views.problem_attachment, name="problem_attachment"),
    path("supervision/", views.supervision, name="supervision"),
    path("similar/", views_similar.problem_similar, name="problem_similar"),
    path("<id:pk>/similar/", views_similar.problem_similar_panel, name="problem_similar_panel"),
    path("common/", views_similar.common_list, name="common_list"),
    path("common/checklist/", views_similar.common_checklist, name="common_checklist"),
    path("supervision/<id:org_id>/notice.docx", views.supervision_notice, name="supervision_notice"),
]
