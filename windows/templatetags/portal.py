"""Template helpers shared by every app's pages."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_item(context, url_name: str, label: str, missing: str = "dim"):
    """A navigation link by URL name. Pages of other apps are linked by name only (never by
    import); a page that this installation does not have yet shows as dimmed text marked 暂未开通,
    or, with ``missing="hide"`` (the citizens' pages), not at all."""
    try:
        url = reverse(url_name)
    except NoReverseMatch:
        if missing == "hide":
            return ""
        return format_html(
            '<span class="nav-item nav-item--off" aria-disabled="true">{}{}</span>',
            label,
            format_html('<span class="visually-hidden">{}</span>', _("（暂未开通）")),
        )
    request = context.get("request")
    current = request is not None and (request.path == url or (url != "/" and request.path.startswith(url)))
    return format_html(
        '<a class="nav-item{}" href="{}"{}>{}</a>',
        " nav-item--on" if current else "",
        url,
        ' aria-current="page"' if current else "",
        label,
    )


@register.simple_tag
def url_if_exists(url_name: str, *args) -> str:
    """The URL of a page by name, or "" when this installation has no such page: a lower app's
    template can offer a higher app's page without importing it."""
    try:
        return reverse(url_name, args=args)
    except NoReverseMatch:
        return ""
