from django.apps import AppConfig


class Config(AppConfig):
    name = "sijin.tallies"
    label = "tallies"
    verbose_name = "定期报送"
