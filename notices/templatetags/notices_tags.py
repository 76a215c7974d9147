"""Template helpers of the SMS pages, for the layouts' navigation."""

from django import template

from notices.views import may_attend, outbox_enabled

register = template.Library()


@register.simple_tag(takes_context=True)
def sms_nav(context) -> dict[str, bool]:
    """Which SMS pages the signed-in user gets in the navigation: the supervisors' page of failed and
    deferred messages, and the development outbox (only with the database backend). No query."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"attention": may_attend(user), "outbox": outbox_enabled() and context.get("staff") is not None}
