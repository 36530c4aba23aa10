from django.apps import AppConfig


class Config(AppConfig):
    name = "sijin.directory"
    label = "directory"
    verbose_name = "区划与单位"
