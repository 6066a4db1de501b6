"""Heavy reads on a read replica, when ``DATABASE_REPLICA_URL`` names one.

The exports, analytics and agreement selectors read inside ``replica_reads()``. With the
replica configured, ``ReplicaRouter`` (``DATABASE_ROUTERS``) sends the ORM's reads made inside
such a block to the ``replica`` alias; every write, and every read outside such a block, goes
to ``default``. A block entered while the primary's connection is inside a transaction reads
from the primary: that transaction's own writes are not on the replica (an export made inside
an import's transaction, a test's transaction). Unset, there is no router and no alias: every
read is the primary's, as before.

Code that hands a queryset to another thread (the export's read-ahead) pins it first with
``queryset.using(queryset.db)``: the block is this thread's (a context variable), not the
other's.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections, router

REPLICA = "replica"

_heavy_reads: ContextVar[bool] = ContextVar("assay_replica_reads", default=False)


@contextmanager
def replica_reads():
    """Reads inside go to the replica when there is one (a decorator too)."""
    token = _heavy_reads.set(True)
    try:
        yield
    finally:
        try:
            _heavy_reads.reset(token)
        except ValueError:  # a generator closed from another context: end the block anyway
            _heavy_reads.set(False)


def read_alias(model=None) -> str:
    """The alias a read of ``model`` goes to here and now (the routers' answer)."""
    if model is None:
        from .models import Span

        model = Span
    return router.db_for_read(model)


class ReplicaRouter:
    """See the module's docstring."""

    def db_for_read(self, model, **hints):
        if _heavy_reads.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows on both sides

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # the replica replays the primary's schema
