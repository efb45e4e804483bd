from django.views.generic import ListView

from .models import Listing


class BrowseView(ListView):
    """Placeholder browse page (the Marketplace issue replaces it with filters, sorting and the card grid)."""

    template_name = "marketplace/browse.html"
    context_object_name = "listings"
    paginate_by = 24

    def get_queryset(self):
        return Listing.objects.public().with_card_data().order_by("-published_at", "-pk")
