"""``{% jinja "partials/nav.html" %}``: a Django template shows a piece of the Jinja site frame (core/jinja.py), so
the navigation, messages and footer exist once, for both template engines."""

from django import template
from django.template import engines
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja(context, name: str):
    rendered = engines["jinja2"].get_template(name).render({}, request=context.get("request"))
    return mark_safe(rendered)  # noqa: S308 - autoescaped by Jinja
