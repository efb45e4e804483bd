"""Every write of the insights app (HackSoft style: ``<noun>_<verb>(*, ...)``)."""

from .listing_views import listing_view_record
from .prices import price_assessments_recompute
from .reviews import (
    buyer_rating_create,
    review_create,
    review_hide,
    review_reply,
    review_unhide,
    review_update,
)
from .scores import dealer_scores_recompute

__all__ = [
    "buyer_rating_create",
    "dealer_scores_recompute",
    "listing_view_record",
    "price_assessments_recompute",
    "review_create",
    "review_hide",
    "review_reply",
    "review_unhide",
    "review_update",
]
