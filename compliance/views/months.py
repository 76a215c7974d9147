"""The month the 三长接待 and 服务标兵 pages are about: read from the query or a posted form, and what the
month picker shows. Any month may be asked for (unlike the dashboard's, which refuses the future); only a
value that is not ``YYYY-MM`` is refused."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils.http import urlencode

from compliance.figures import month_or_none as parse_month
from compliance.figures import next_month, previous_month
from compliance.selectors.dashboard import MONTH_INVALID, month_value


def asked_month(request: HttpRequest, default: date) -> tuple[date, str]:
    """The month the query asks for (``default`` without one) and "" — or, when it is not a month,
    ``default`` and why (the page answers 400)."""
    if not request.GET.get("month"):
        return default, ""
    month = parse_month(request.GET["month"])
    return (default, MONTH_INVALID) if month is None else (month, "")


def month_url(url: str, month: date, **params) -> str:
    return f"{url}?{urlencode({'month': month_value(month), **params})}"


def month_context(month: date, *, last: date) -> dict:
    """The month picker's values: the month, its neighbours (the next only up to ``last``) and the
    pager's query string."""
    return {
        "month": month,
        "month_value": month_value(month),
        "previous_month": month_value(previous_month(month)),
        "next_month": month_value(next_month(month)),
        "show_next": next_month(month) <= last,
        "month_error": "",
        "query_string": urlencode({"month": month_value(month)}),
    }
