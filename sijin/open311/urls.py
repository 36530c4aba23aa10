from django.urls import path, re_path

from . import views

app_name = "open311"

# GeoReport v2: every resource in .json (and .xml, the spec's other format).
urlpatterns = [
    re_path(r"^services\.(?P<fmt>json|xml)$", views.service_list, name="service_list"),
    re_path(
        r"^services/(?P<code>[0-9]{1,10})\.(?P<fmt>json|xml)$", views.service_detail, name="service_detail"
    ),
    re_path(r"^requests\.(?P<fmt>json|xml)$", views.requests, name="requests"),
    re_path(
        r"^requests/(?P<pk>[0-9]{1,10})\.(?P<fmt>json|xml)$", views.request_detail, name="request_detail"
    ),
    path("", views.discovery, name="discovery"),
]
