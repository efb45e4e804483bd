"""Context processors of the site."""

from . import pagecache


def page_cache_csrf(request) -> dict:
    """On a page that may be cached for everyone (``core.pagecache``), ``{% csrf_token %}`` writes the placeholder
    that each response replaces with its own token — never a token that another visitor would receive."""
    if getattr(request, "page_cacheable", False):
        return {"csrf_token": pagecache.CSRF_PLACEHOLDER}
    return {}
