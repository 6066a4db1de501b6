"""Page-numbered lists of model rows, for the pages and the API alike (``KeyedPaginator``)."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, QuerySet, Window
from django.db.models.expressions import RowRange

from annotations.models import MAX_ID


class KeyedPaginator(Paginator):
    """Django's paginator, with two changes for lists of model rows (the API's page lists and
    the pages' own: the project's articles, the actors, the assignments).

    A page past the first reads its ids first (the order's columns only), then its rows
    by id: Django's slice computes every skipped row's columns and annotations (an
    article's span count is a subquery: page 150 of 50 computed 7,500 of them, 680 ms).

    A ranked search's page (a queryset with ``search_rank``) carries its count: ``COUNT(*)
    OVER ()`` beside the page's ids, one pass over the matches rather than two. The
    ranking reads every match anyway to order them, so the count costs nothing more,
    where a separate ``COUNT`` would find and read the matches a second time. The window
    is ordered as the page, over the whole ranking, so that the rank is computed before it
    and the window keeps no vectors (unordered, it would keep each match's 6 kB vector for
    the rank computed above it, and spill to disk). The ranking is narrow too: the ids and
    the count, then the page's rows by id: sorting a common word's thousands of matches
    with each article's columns and annotations cost more than the second round trip
    (docs/search.md).

    Rows come in the order of the ids; one gone meanwhile is left out, as it would be a
    moment later. The same numbers and the same errors as Django's: an empty page falls
    back to its count."""

    def get_page(self, number):
        """Django's ``get_page`` (not a number: the first page; out of range: the last),
        the page read first: Django's checks the number against the count first, which for
        a ranked search is a second pass over the matches that the page's own count makes
        needless. The count is read alone only when the number is out of range."""
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(self.num_pages)

    def page(self, number):
        queryset = self.object_list
        if not _model_rows(queryset) or "search_rank" not in queryset.query.annotations:
            return super().page(number)
        try:
            first = int(number) if not isinstance(number, float) else 0
        except (TypeError, ValueError):
            first = 0
        bottom = (first - 1) * self.per_page
        if self.orphans or first < 1 or bottom > MAX_ID:
            return super().page(number)  # Django's own answer, errors included
        ranking = queryset.annotate(
            search_total=Window(
                Count("pk"),
                order_by=queryset.query.order_by,
                frame=RowRange(start=None, end=None),
            )
        ).values_list("pk", "search_total")
        keys = list(ranking[bottom : bottom + self.per_page])
        rows = []
        if keys:
            self.__dict__["count"] = keys[0][1]  # the cached_property's value
            rows = _by_id(queryset, [pk for pk, _ in keys])
            if rows is None:  # rows repeated by a join: Django's slice
                rows = list(queryset[bottom : bottom + self.per_page])
        return self._get_page(rows, self.validate_number(first), self)

    def _get_page(self, object_list, number, paginator):
        # Django's page() passes ``self.object_list[bottom:top]``, unevaluated.
        sliced = isinstance(object_list, QuerySet) and object_list.query.low_mark
        if sliced and _model_rows(self.object_list):
            rows = _by_id(self.object_list, list(object_list.values_list("pk", flat=True)))
            object_list = object_list if rows is None else rows
        return super()._get_page(object_list, number, paginator)


def _model_rows(queryset) -> bool:
    """Whether ``queryset`` gives model rows that its ids can read again: not sliced, not
    distinct, values or a union, and no window (read again by id, a window would count the
    page's rows only)."""
    if not isinstance(queryset, QuerySet):
        return False
    query = queryset.query
    windowed = any(getattr(a, "contains_over_clause", False) for a in query.annotations.values())
    return not (
        query.is_sliced or query.distinct or query.values_select or query.combinator or windowed
    )


def _by_id(queryset, ids: list) -> list | None:
    """The rows of ``queryset`` with these ids, in their order, one each; ``None`` when an
    id comes twice (a join to many repeats rows: Django's slice is the answer then)."""
    if len(set(ids)) < len(ids):
        return None
    rows = {row.pk: row for row in queryset.filter(pk__in=ids).order_by()}
    return [rows[pk] for pk in ids if pk in rows]
