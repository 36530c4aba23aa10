from django.urls import path

from . import views

app_name = "campaigns"
urlpatterns = [
    path("targets/new/", views.target_create, name="target_create"),
    path("targets/<id:pk>/edit/", views.target_update, name="target_update"),
]
