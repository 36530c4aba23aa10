from django.apps import AppConfig


class Config(AppConfig):
    name = "sijin.accounts"
    label = "accounts"
    verbose_name = "账户与权限"
