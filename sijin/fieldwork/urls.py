from django.urls import path

from . import views

app_name = "fieldwork"
urlpatterns: list = [
    path("new/", views.visit_create, name="visit_create"),
    path("photos/<int:pk>/", views.visit_photo, name="visit_photo"),
]
