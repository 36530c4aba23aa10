from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("ledgers/", views.ledger_list, name="ledger_list"),
    path("ledgers/<str:kind>.xlsx", views.ledger_download, name="ledger_download"),
    path("ledgers/<str:kind>/export/", views.export_job_start, name="export_job_start"),
    path("exports/<id:pk>/", views.export_job_detail, name="export_job_detail"),
    path("exports/<id:pk>.xlsx", views.export_job_download, name="export_job_download"),
    path("import/", views.import_page, name="import_page"),
    path("imports/<id:pk>/", views.import_job_detail, name="import_job_detail"),
    path("import/template/problems.xlsx", views.import_problem_template, name="import_problem_template"),
    path("import/template/<id:kind_id>.xlsx", views.import_template, name="import_template"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("briefings/", views.briefing_list, name="briefing_list"),
    path("briefings/new/", views.briefing_new, name="briefing_new"),
    path("briefings/<id:pk>/", views.briefing_detail, name="briefing_detail"),
    path("briefings/<id:pk>.docx", views.briefing_download, name="briefing_download"),
    path("methods/", views.method_list, name="method_list"),
]
