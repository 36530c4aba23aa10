from django.urls import path

from . import views_support as views

app_name = "support"
urlpatterns = [
    path("plans/", views.plan_list, name="plan_list"),
    path("targets/<int:target_pk>/plans/new/", views.plan_create_view, name="plan_create"),
    path("steps/<int:pk>/", views.plan_step_update_view, name="plan_step_update"),
    path("outcomes/", views.outcome_list, name="outcome_list"),
    path("targets/<int:target_pk>/outcomes/new/", views.outcome_record_view, name="outcome_record"),
    path("targets/<int:target_pk>/feedback/new/", views.feedback_record_view, name="feedback_record"),
    path("checklists/", views.checklist_list, name="checklist_list"),
    path("checklists/new/", views.checklist_create_view, name="checklist_create"),
]
