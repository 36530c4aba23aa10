from django.apps import AppConfig


class Config(AppConfig):
    name = "sijin.problems"
    label = "problems"
    verbose_name = "问题督办"
