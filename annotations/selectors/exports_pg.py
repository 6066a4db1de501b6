"""The export's PostgreSQL fast path: spans read through a server-side cursor with JIT off,
by a thread of its own a few fetches ahead of the caller (``_ReadAhead``). The plain read it
replaces (rows read whole, on SQLite) is ``exports._buffer``."""

import queue
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager, suppress
from itertools import islice

from django.db import DatabaseError, connections, transaction
from django.db.models import QuerySet

SPAN_FETCH_SIZE = 5000  # rows a server-side cursor hands over at a time


def _stream(queryset: QuerySet) -> Iterator[tuple]:
    """The rows through a server-side cursor, planned without JIT (PostgreSQL)."""
    rows = queryset.iterator(chunk_size=SPAN_FETCH_SIZE)
    with _jit_off(queryset.db):
        first = next(rows, None)  # the query runs here
    if first is not None:
        yield first
        yield from rows


READ_AHEAD = 4  # fetches the reader of ``_ReadAhead`` may be ahead of its caller


class _ReadAhead:
    """Rows read by a thread of its own, with its own connection, a few fetches ahead of the
    caller (PostgreSQL, outside a transaction).

    A server-side cursor declared outside a transaction is ``WITH HOLD``, and PostgreSQL runs
    the whole query when it is declared, while Python waits, then waits while Python builds
    the rows: an export took as long as the two together. Inside the reader's transaction
    the cursor runs as it is fetched, so PostgreSQL computes the next rows while the caller
    builds the last ones (psycopg waits for them without the GIL), and a million spans take
    the longer of the two. The caller's own transaction would hide its writes from another
    connection, so ``export_articles`` reads in it directly (``_stream``).

    One thread reads every query of an export in turn; ``close`` ends it and its connection.
    A queryset is pinned to the database it reads from here (the replica inside an export,
    ``annotations.replica``) before the thread, outside the export's block, evaluates it.
    """

    def __init__(self):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-reader")
        self._closed = threading.Event()

    def rows(self, queryset: QuerySet) -> Iterator[tuple]:
        batches: queue.Queue[list[tuple]] = queue.Queue(maxsize=READ_AHEAD)
        stop = threading.Event()
        done = self._pool.submit(self._read, queryset.using(queryset.db), batches, stop)
        try:
            while batch := batches.get():
                yield from batch
        finally:
            stop.set()  # the caller may leave before the last row
        done.result()  # the reader's error, if any

    def _read(self, queryset: QuerySet, batches: queue.Queue, stop: threading.Event) -> None:
        try:
            with transaction.atomic(using=queryset.db):
                with connections[queryset.db].cursor() as cursor:
                    cursor.execute("SET LOCAL jit = off")  # see _jit_off
                with closing(queryset.iterator(chunk_size=SPAN_FETCH_SIZE)) as rows:
                    for batch in iter(lambda: list(islice(rows, SPAN_FETCH_SIZE)), []):
                        if not self._put(batches, batch, stop):
                            break
        finally:
            self._put(batches, [], stop)

    def _put(self, batches: queue.Queue, batch: list, stop: threading.Event) -> bool:
        """Hand ``batch`` over, unless the caller has left; whether it was."""
        while not (stop.is_set() or self._closed.is_set()):
            try:
                batches.put(batch, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def close(self) -> None:
        self._closed.set()
        self._pool.submit(connections.close_all)  # the reader thread's own
        self._pool.shutdown()


@contextmanager
def _jit_off(alias: str) -> Iterator[None]:
    """PostgreSQL's JIT off for the queries planned inside (``RESET`` after: the session's
    default, which the connection's options may set).

    The planner prices the spans' actors subquery (``_actor_keys``) at some 11 a span (two
    random pages), so past a few thousand spans their query crosses ``jit_inline_above_cost``
    and ``jit_optimize_above_cost``; compiling it then took 0.3 s a query, whatever its size
    (a seventh of a 200,000-span chunk's time, most of a small one's), and sped up nothing.
    """
    with connections[alias].cursor() as cursor:
        cursor.execute("SET jit = off")
        try:
            yield
        finally:
            with suppress(DatabaseError):  # in a failed transaction, its rollback undoes the SET
                cursor.execute("RESET jit")
