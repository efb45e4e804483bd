"""Trust and insight: verified reviews, buyer ratings, dealer credit scores, price-fairness badges, view counts.

Reviews and ratings hang off a delivered ``contracts.Order`` (one each per order). Scores and price
assessments are *stored* by the nightly services (``insights.services``), never computed per request.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import pagecache

from .querysets import ReviewQuerySet

STARS = [MinValueValidator(1), MaxValueValidator(5)]


def _stars(label):
    return models.PositiveSmallIntegerField(label, validators=STARS)


class Review(models.Model):
    """A buyer's verified review of the dealer of one delivered order (editable for 14 days)."""

    order = models.OneToOneField("contracts.Order", on_delete=models.PROTECT, related_name="review", verbose_name=_("order"))
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_written", verbose_name=_("buyer")
    )
    dealer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_received", verbose_name=_("dealer")
    )
    overall = _stars(_("overall"))
    as_described = _stars(_("vehicle as described"))
    communication = _stars(_("communication"))
    delivery = _stars(_("delivery"))
    after_sales = models.PositiveSmallIntegerField(
        _("after-sales service"), validators=STARS, null=True, blank=True, help_text=_("Leave empty if you have not needed it.")
    )
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    editable_until = models.DateTimeField(_("editable until"))
    edited_at = models.DateTimeField(_("last edited at"), null=True, blank=True)
    reply = models.TextField(_("dealer's reply"), max_length=2000, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    is_hidden = models.BooleanField(_("hidden by staff"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=255, blank=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    created_at = models.DateTimeField(_("written at"))

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["dealer", "is_hidden", "-created_at"], name="review_dealer_visible_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(overall__gte=1) & Q(overall__lte=5), name="review_overall_1_5"),
            models.CheckConstraint(condition=~Q(is_hidden=True) | ~Q(hidden_reason=""), name="review_hidden_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.overall}★ {self.dealer} ← {self.buyer}"

    def save(self, *args, **kwargs):
        """A new, edited, answered or hidden review shows on the dealer's (cached) public page at once."""
        super().save(*args, **kwargs)
        pagecache.bump(f"dealer:{self.dealer_id}")

    @property
    def sub_ratings(self) -> list[tuple[str, int | None]]:
        return [
            (_("Vehicle as described"), self.as_described),
            (_("Communication"), self.communication),
            (_("Delivery"), self.delivery),
            (_("After-sales service"), self.after_sales),
        ]


class BuyerRating(models.Model):
    """The dealer's rating of the buyer of one delivered order (payment on time, communication)."""

    order = models.OneToOneField(
        "contracts.Order", on_delete=models.PROTECT, related_name="buyer_rating", verbose_name=_("order")
    )
    dealer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="buyer_ratings_given", verbose_name=_("dealer")
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="buyer_ratings", verbose_name=_("buyer")
    )
    payment_on_time = _stars(_("payment on time"))
    communication = _stars(_("communication"))
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("rated at"))

    class Meta:
        verbose_name = _("buyer rating")
        verbose_name_plural = _("buyer ratings")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.buyer} ← {self.dealer}"


class DealerScore(models.Model):
    """The dealer's current credit score (0–100) and its components, written by the nightly job."""

    dealer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dealer_score", verbose_name=_("dealer")
    )
    score = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(100)])
    components = models.JSONField(_("components"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("dealer score")
        verbose_name_plural = _("dealer scores")
        ordering = ["-score"]
        constraints = [models.CheckConstraint(condition=Q(score__lte=100), name="dealer_score_0_100")]

    def __str__(self) -> str:
        return f"{self.dealer}: {self.score}"

    @property
    def level(self) -> str:
        return self.level_of(self.score)

    @staticmethod
    def level_of(score: int) -> str:
        """Bootstrap colour for a score: success ≥ 85, primary ≥ 70, warning ≥ 55, else danger."""
        if score >= 85:
            return "success"
        if score >= 70:
            return "primary"
        if score >= 55:
            return "warning"
        return "danger"


class DealerScoreHistory(models.Model):
    """One score per dealer per day (the trend); the nightly job overwrites the day's row when re-run."""

    dealer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="score_history", verbose_name=_("dealer")
    )
    day = models.DateField(_("day"))
    score = models.PositiveSmallIntegerField(_("score"))
    components = models.JSONField(_("components"), default=dict)

    class Meta:
        verbose_name = _("dealer score history")
        verbose_name_plural = _("dealer score history")
        ordering = ["dealer", "day"]
        constraints = [models.UniqueConstraint(fields=["dealer", "day"], name="one_dealer_score_per_day")]

    def __str__(self) -> str:
        return f"{self.dealer} {self.day}: {self.score}"


class PriceAssessment(models.Model):
    """How a listing's price compares with similar cars (computed nightly; no badge with too few comparables)."""

    class Badge(models.TextChoices):
        GREAT = "great", _("Great price")
        GOOD = "good", _("Good price")
        FAIR = "fair", _("Fair price")
        HIGH = "high", _("High price")
        OVERPRICED = "overpriced", _("Overpriced")

    BADGE_CSS = {
        Badge.GREAT: "text-bg-success",
        Badge.GOOD: "bg-success-subtle text-success-emphasis border border-success-subtle",
        Badge.FAIR: "bg-secondary-subtle text-secondary-emphasis border",
        Badge.HIGH: "bg-warning-subtle text-warning-emphasis border border-warning-subtle",
        Badge.OVERPRICED: "bg-danger-subtle text-danger-emphasis border border-danger-subtle",
    }

    listing = models.OneToOneField(
        "marketplace.Listing", on_delete=models.CASCADE, related_name="price_assessment", verbose_name=_("listing")
    )
    badge = models.CharField(_("badge"), max_length=12, choices=Badge.choices, blank=True)
    price = models.DecimalField(_("price assessed (CNY)"), max_digits=10, decimal_places=0)
    market_median = models.DecimalField(_("market median (CNY)"), max_digits=10, decimal_places=0, null=True, blank=True)
    market_low = models.DecimalField(_("market range low (CNY)"), max_digits=10, decimal_places=0, null=True, blank=True)
    market_high = models.DecimalField(_("market range high (CNY)"), max_digits=10, decimal_places=0, null=True, blank=True)
    comparables_count = models.PositiveIntegerField(_("comparables used"), default=0)
    # [[mileage_km, price, is_sold], ...] for the detail page's chart (stored so the page runs no extra query).
    points = models.JSONField(_("comparable points"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("price assessment")
        verbose_name_plural = _("price assessments")

    def __str__(self) -> str:
        return f"{self.listing_id}: {self.badge or '-'}"

    @property
    def has_badge(self) -> bool:
        return bool(self.badge)

    BADGE_ICON = {
        Badge.GREAT: "bi-arrow-down-circle-fill",
        Badge.GOOD: "bi-arrow-down-circle",
        Badge.FAIR: "bi-check-circle",
        Badge.HIGH: "bi-arrow-up-circle",
        Badge.OVERPRICED: "bi-exclamation-circle",
    }

    @property
    def badge_css(self) -> str:
        return self.BADGE_CSS.get(self.badge, "text-bg-secondary")

    @property
    def badge_icon(self) -> str:
        return self.BADGE_ICON.get(self.badge, "bi-tag")

    @classmethod
    def badge_look(cls, code: str) -> tuple[str, str, str] | None:
        """(label in the active language, CSS classes, icon) of a badge code; None for no badge."""
        if code not in cls.Badge.values:
            return None
        return str(cls.Badge(code).label), cls.BADGE_CSS[code], cls.BADGE_ICON[code]


class ListingViewStat(models.Model):
    """Detail-page views of a listing per day (a cheap counter for the dealer's funnel)."""

    listing = models.ForeignKey(
        "marketplace.Listing", on_delete=models.CASCADE, related_name="view_stats", verbose_name=_("listing")
    )
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("views"), default=0)

    class Meta:
        verbose_name = _("listing views per day")
        verbose_name_plural = _("listing views per day")
        constraints = [models.UniqueConstraint(fields=["listing", "day"], name="one_view_stat_per_listing_day")]

    def __str__(self) -> str:
        return f"{self.listing_id} {self.day}: {self.views}"
