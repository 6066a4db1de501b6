"""Every list answers ``{"next", "previous", "results"}``; ``?page_size=`` up to 1000."""

import math

from django.db.models import Q
from rest_framework.exceptions import NotFound
from rest_framework.pagination import (
    CursorPagination,
    PageNumberPagination,
    _reverse_ordering,
)

from annotations.models import MAX_ID
from annotations.selectors.pages import KeyedPaginator


class PagePagination(PageNumberPagination):
    """Page numbers, plus ``count``, for the small lists (projects, labels, articles...)."""

    django_paginator_class = KeyedPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


class SpanCursorPagination(CursorPagination):
    """Spans page by cursor in id order: stable while others add and delete spans."""

    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            # The position is compared with ids in SQL; anything but an id is a forged cursor.
            try:
                position = int(cursor.position)
            except ValueError:
                raise NotFound(self.invalid_cursor_message) from None
            if not 0 <= position <= MAX_ID:
                raise NotFound(self.invalid_cursor_message)
        return cursor

    def _get_position_from_instance(self, instance, ordering):
        # Rows may be ``values_list`` tuples with the id first (the span list's fast path).
        if isinstance(instance, tuple):
            return str(instance[0])
        return super()._get_position_from_instance(instance, ordering)


class SpanSearchCursorPagination(SpanCursorPagination):
    """A ranked search's spans (``?search=``) page by cursor in (rank descending, id) order.

    The cursor's position is the last row's rank and id together, and the next page is the
    rows strictly after that pair: no offsets, however many spans share a rank (every span
    that holds a word once ranks the same). The rank is recomputed on each request, from
    the same text, so the order holds while spans are added and deleted; a span whose text
    or note changes between two pages moves to where its new rank puts it, as any cursor
    over a changing sort key would. Rows are ``values_list`` tuples with the id first and
    the rank last.
    """

    ordering = ("-search_rank", "id")

    def decode_cursor(self, request):
        cursor = CursorPagination.decode_cursor(self, request)
        if cursor is not None and cursor.position is not None:
            try:
                rank, pk = self._split(cursor.position)
            except ValueError:
                raise NotFound(self.invalid_cursor_message) from None
            if not (math.isfinite(rank) and 0 <= pk <= MAX_ID) or cursor.offset:
                raise NotFound(self.invalid_cursor_message)
        return cursor

    @staticmethod
    def _split(position: str) -> tuple[float, int]:
        rank, _, pk = position.rpartition("_")
        return float(rank), int(pk)

    def _get_position_from_instance(self, instance, ordering):
        return f"{float(instance[-1])!r}_{instance[0]}"

    def paginate_queryset(self, queryset, request, view=None):
        # DRF's, with the position compared as a (rank, id) pair rather than one field.
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.ordering
        self.cursor = self.decode_cursor(request)
        reverse = bool(self.cursor and self.cursor.reverse)
        current = self.cursor.position if self.cursor else None
        ordering = _reverse_ordering(self.ordering) if reverse else self.ordering
        queryset = queryset.order_by(*ordering)
        if current is not None:
            rank, pk = self._split(current)
            if reverse:
                after = Q(search_rank__gt=rank) | Q(search_rank=rank, id__lt=pk)
            else:
                after = Q(search_rank__lt=rank) | Q(search_rank=rank, id__gt=pk)
            queryset = queryset.filter(after)
        results = list(queryset[: self.page_size + 1])
        self.page = results[: self.page_size]
        following = (
            self._get_position_from_instance(results[-1], self.ordering)
            if len(results) > len(self.page)
            else None
        )
        if reverse:
            self.page.reverse()
            self.has_next, self.has_previous = True, following is not None
            self.next_position, self.previous_position = current, following
        else:
            self.has_next, self.has_previous = following is not None, current is not None
            self.next_position, self.previous_position = following, current
        self.display_page_controls = False
        return self.page
