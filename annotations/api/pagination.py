"""Every list answers ``{"next", "previous", "results"}``; ``?page_size=`` up to 1000."""

from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, PageNumberPagination

from annotations.models import MAX_ID


class PagePagination(PageNumberPagination):
    """Page numbers, plus ``count``, for the small lists (projects, labels, articles...)."""

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
