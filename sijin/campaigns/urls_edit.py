from django.urls import path

from . import views_edit

app_name = "targets_edit"
urlpatterns = [
    path("targets/new/", views_edit.target_create, name="target_create"),
    path("targets/<int:pk>/edit/", views_edit.target_edit, name="target_update"),
]
