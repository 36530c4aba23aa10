from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("password/", views.password_change, name="password_change"),
    path("second-factor/", views.second_factor_enrol, name="second_factor_enrol"),
    path("second-factor/verify/", views.second_factor_verify, name="second_factor_verify"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/<id:pk>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
]
