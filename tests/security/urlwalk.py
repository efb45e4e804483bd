"""Every URL pattern of the project, read from the URLconf (for the CSP and authorization-matrix tests)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Whole subtrees covered elsewhere: Django's own admin (tested by Django; our admin pages have their own tests).
SKIPPED_NAMESPACES = {"admin"}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the route itself when the pattern has no name
    route: str  # "cars/<int:pk>/"
    converters: tuple[str, ...]  # keyword names the pattern needs

    @property
    def takes_arguments(self) -> bool:
        return bool(self.converters)

    def url(self, **kwargs) -> str:
        if self.name == self.route:
            return "/" + self.route
        return reverse(self.name, kwargs=kwargs or None)


def _walk(patterns, prefix: str, namespace: str | None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            child_namespace = namespace
            if entry.namespace:
                child_namespace = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), child_namespace)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            if entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
            else:
                name = route
            converters = tuple(entry.pattern.converters) if hasattr(entry.pattern, "converters") else ()
            if not converters and hasattr(entry.pattern, "regex"):
                converters = tuple(entry.pattern.regex.groupindex)
            yield Route(name=name, route=route, converters=converters)


def project_routes() -> list[Route]:
    """Every URL pattern, in URLconf order; names are unique per (name, route)."""
    return list(_walk(get_resolver().url_patterns, "", None))
