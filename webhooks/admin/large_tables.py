"""Admin lists over tables that grow with history (the delivery log, events, audit
records): every page costs the same at a hundred thousand rows and at ten million.

Django's changelist counts the filtered rows for its paginator and, with
``show_full_result_count``, the whole table again: an exact ``COUNT(*)`` of millions of
rows on every page. Here the count stops at ``COUNT_CAP`` (a ``LIMIT``ed count, read off
the same index as the page) and shows as "10,000+"; the pages past it are still there.
Filters list fixed choices rather than ``SELECT DISTINCT`` over the table, and no
``date_hierarchy`` (it reads the distinct years, months and days of the whole table).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Model
from django.utils.translation import gettext_lazy

from webhooks import counting

_M = TypeVar("_M", bound=Model)


class CappedCountPaginator(Paginator):  # type: ignore[type-arg]
    @cached_property
    def count(self) -> int:
        return counting.capped_count(self.object_list, counting.COUNT_CAP)


class LargeTableAdmin(admin.ModelAdmin[_M]):
    paginator = CappedCountPaginator
    show_full_result_count = False


def choices_filter(
    field: str, title: str, choices: Callable[[], list[tuple[str, str]]]
) -> type[admin.SimpleListFilter]:
    """A list filter on ``field`` over the ``choices`` known when it is drawn, asking the
    database nothing to draw itself."""

    class ChoicesFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
            return choices()

        def queryset(self, request: Any, queryset: Any) -> Any:
            value = self.value()
            return queryset.filter(**{field: value}) if value else queryset

    ChoicesFilter.title = gettext_lazy(title)
    return ChoicesFilter
