from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from sijin.core.converters import IdConverter
from sijin.desk import pwa

# <id:pk>: an id that fits the database; a longer number does not match, so it is a 404 (sijin.core.converters).
# Registered before the apps' URLconfs below are imported.
register_converter(IdConverter, "id")


def api_urls():
    """The JSON API's URLconf (sijin/api.py), imported after the converter is registered."""
    from sijin.api import api

    return api.urls


# One namespace per app. desk, campaigns and fieldwork are included at the root with their full paths
# (/, /groups/, /targets/, /visits/, /support/); the others under their own prefix.
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", pwa.LogoutView.as_view(), name="logout"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("account/", include("sijin.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("sijin.desk.urls")),
    path("", include("sijin.campaigns.urls")),
    path("", include("sijin.fieldwork.urls")),
    path("problems/", include("sijin.problems.urls")),
    path("tallies/", include("sijin.tallies.urls")),
    path("reports/", include("sijin.reports.urls")),
    path("open311/v2/", include("sijin.open311.urls")),
    path("api/v1/", api_urls()),
]
