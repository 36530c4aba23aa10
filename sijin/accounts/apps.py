from django.apps import AppConfig


class Config(AppConfig):
    name = "sijin.accounts"
    label = "accounts"
    verbose_name = "账户与权限"

    def ready(self) -> None:
        from . import auth  # noqa: F401  (connects the audit of logins, failures, lockouts and logouts)
