from django.urls import path

from . import launch, views

app_name = "campaigns"
urlpatterns = [
    path("campaigns/new/", launch.campaign_create, name="campaign_create"),
    path("targets/new/", views.target_create, name="target_create"),
    path("targets/<id:pk>/edit/", views.target_update, name="target_update"),
    path("targets/<id:pk>/cadres/", views.target_cadre_add, name="target_cadre_add"),
    path("targets/<id:pk>/cadres/<id:cadre>/remove/", views.target_cadre_remove, name="target_cadre_remove"),
    path("groups/<id:pk>/targets/bulk/", views.group_targets_bulk, name="group_targets_bulk"),
    path("groups/<id:pk>/documents/", views.group_document_add, name="group_document_add"),
    path("groups/<id:pk>/documents/<id:document>/", views.group_document_file, name="group_document_file"),
    path(
        "groups/<id:pk>/documents/<id:document>/delete/",
        views.group_document_delete,
        name="group_document_delete",
    ),
]
