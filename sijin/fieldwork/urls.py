from django.urls import path

from . import views

# Included at the root: the field pages live under two prefixes (/visits/ and /support/).
app_name = "fieldwork"
urlpatterns = [
    path("visits/photos/<id:pk>/", views.visit_photo, name="visit_photo"),
    path("support/plans/", views.plan_list, name="plan_list"),
    path("support/targets/<id:target_pk>/plans/new/", views.plan_create_view, name="plan_create"),
    path("support/steps/<id:pk>/", views.plan_step_update_view, name="plan_step_update"),
    path("support/outcomes/", views.outcome_list, name="outcome_list"),
    path("support/targets/<id:target_pk>/outcomes/new/", views.outcome_record_view, name="outcome_record"),
    path("support/targets/<id:target_pk>/feedback/new/", views.feedback_record_view, name="feedback_record"),
    path("support/checklists/", views.checklist_list, name="checklist_list"),
    path("support/checklists/new/", views.checklist_create_view, name="checklist_create"),
    path("support/groups/<id:group_pk>/measures/", views.measure_list, name="measure_list"),
]
