from django.apps import AppConfig


class Config(AppConfig):
    name = "sijin.fieldwork"
    label = "fieldwork"
    verbose_name = "走访与成效"
