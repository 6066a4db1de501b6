from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


def _ensure_fts(sender, using, **kwargs):
    """SQLite's FTS5 tables and triggers, again after any migration (see search/sqlite.py)."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from .search.sqlite import ensure_fts

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    applied = MigrationRecorder(connection).applied_migrations()
    if any(app == "annotations" and name.startswith("0007_") for app, name in applied):
        ensure_fts(connection)


class AnnotationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "annotations"
    verbose_name = "Annotations"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy checks)
        from .text_search import register_casefold

        connection_created.connect(register_casefold, dispatch_uid="assay-casefold")
        post_migrate.connect(_ensure_fts, sender=self, dispatch_uid="assay-fts")
