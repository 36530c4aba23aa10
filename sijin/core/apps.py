from django.apps import AppConfig


class Config(AppConfig):
    name = "sijin.core"
    label = "core"
    verbose_name = "核心"
