from django.apps import AppConfig


class Config(AppConfig):
    name = "sijin.desk"
    label = "desk"
    verbose_name = "工作台与综合页面"
