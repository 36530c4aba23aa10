from django.apps import AppConfig


class Config(AppConfig):
    name = "sijin.reports"
    label = "reports"
    verbose_name = "台账与简报"
