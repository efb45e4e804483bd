from django.contrib import admin
from django.urls import include, path

from accounts.views import set_language
from core import media as core_media
from core import views as core_views
from marketplace import pages as marketplace_pages

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("", marketplace_pages.HomeView.as_view(), name="home"),
    path("accounts/", include("accounts.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("marketplace.urls")),
    path("inspections/", include("inspections.urls")),
    path("contracts/", include("contracts.urls")),
    path("warranty/", include("warranty.urls")),
    path("complaints/", include("complaints.urls")),
    path("surveys/", include("surveys.urls")),
    path("insights/", include("insights.urls")),
]

# Uploads, in every environment, with forced content types and inert headers (core/media.py).
urlpatterns.append(path(f"{core_media.media_url_prefix()}/<path:path>", core_media.serve_media, name="media"))

# No i18n_patterns: the stable URLs (/cars/, /compare/ ...) carry no language prefix; the language
# comes from the browser or the switcher (LocaleMiddleware + the language cookie).
