from django.apps import AppConfig


class Config(AppConfig):
    name = "sijin.campaigns"
    label = "campaigns"
    verbose_name = "行动与帮扶对象"
