from django.urls import path

from . import views

app_name = "tallies"
urlpatterns = [
    path("", views.tally_index, name="tally_index"),
    path("new/", views.tally_form_define_view, name="tally_form_define"),
    path("<id:form_id>/", views.tally_table_view, name="tally_table"),
    path("<id:form_id>.xlsx", views.tally_export, name="tally_export"),
    path("<id:form_id>/groups/<id:group_id>/", views.tally_fill, name="tally_fill"),
    path("<id:form_id>/office/", views.tally_office_fill, name="tally_office_fill"),
    path("reports/<id:pk>/reopen/", views.tally_reopen, name="tally_reopen"),
]
