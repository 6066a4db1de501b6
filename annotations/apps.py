from django.apps import AppConfig
from django.db.backends.signals import connection_created


class AnnotationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "annotations"
    verbose_name = "Annotations"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy checks)
        from .text_search import register_casefold

        connection_created.connect(register_casefold, dispatch_uid="assay-casefold")
