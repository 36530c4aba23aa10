from django.urls import path

from . import views

app_name = "desk"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/<id:pk>/", views.group_detail, name="group_detail"),
    path("targets/", views.target_list, name="target_list"),
    path("targets/<id:pk>/", views.target_detail, name="target_detail"),
    path("visits/new/", views.visit_create, name="visit_create"),
]
