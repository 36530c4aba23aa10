from django.urls import path

from . import notifications, views

app_name = "desk"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/<id:pk>/", views.group_detail, name="group_detail"),
    path("targets/", views.target_list, name="target_list"),
    path("targets/<id:pk>/", views.target_detail, name="target_detail"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/<id:pk>/", notifications.notification_open, name="notification_open"),
    path("notifications/read-all/", notifications.notification_read_all, name="notification_read_all"),
    path("notifications/email/", notifications.notification_email_set, name="notification_email_set"),
    path("notifications/push/", notifications.push_subscription, name="push_subscription"),
]
