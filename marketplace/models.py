from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import pagecache
from core.statemachine import StatusMachine

from . import catalogue
from .querysets import AppointmentQuerySet, ConversationQuerySet, ListingQuerySet
from .search import listing_search_text


class Vehicle(models.Model):
    """The physical car, identified by its VIN."""

    class Fuel(models.TextChoices):
        PETROL = "petrol", _("Petrol")
        DIESEL = "diesel", _("Diesel")
        HYBRID = "hybrid", _("Hybrid")
        PHEV = "phev", _("Plug-in hybrid (PHEV)")
        EV = "ev", _("Electric (EV)")

    class Transmission(models.TextChoices):
        MANUAL = "manual", _("Manual")
        AUTOMATIC = "automatic", _("Automatic")
        DCT = "dct", _("Dual-clutch")
        CVT = "cvt", _("CVT")
        SINGLE_SPEED = "single_speed", _("Single-speed (EV)")

    class Body(models.TextChoices):
        SEDAN = "sedan", _("Sedan")
        HATCHBACK = "hatchback", _("Hatchback")
        SUV = "suv", _("SUV")
        MPV = "mpv", _("MPV")
        ESTATE = "estate", _("Estate")
        COUPE = "coupe", _("Coupé")
        PICKUP = "pickup", _("Pickup")

    class Emission(models.TextChoices):
        CN5 = "cn5", _("China 5 (国五)")
        CN6A = "cn6a", _("China 6a (国六a)")
        CN6B = "cn6b", _("China 6b (国六b)")
        NONE = "none", _("Not applicable (EV)")

    vin = models.CharField(_("VIN"), max_length=17, db_index=True)
    make = models.CharField(_("make"), max_length=40, db_index=True)
    model = models.CharField(_("model"), max_length=60)
    trim = models.CharField(_("trim / series"), max_length=80, blank=True)
    year = models.PositiveSmallIntegerField(_("model year"))
    first_registration = models.DateField(_("first registration date"))
    mileage_km = models.PositiveIntegerField(_("mileage (km)"))
    fuel = models.CharField(_("fuel"), max_length=16, choices=Fuel.choices)
    transmission = models.CharField(_("transmission"), max_length=16, choices=Transmission.choices)
    body_type = models.CharField(_("body type"), max_length=16, choices=Body.choices)
    colour = models.CharField(_("colour"), max_length=30)
    engine_displacement_l = models.DecimalField(
        _("engine displacement (L)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    battery_kwh = models.DecimalField(_("battery capacity (kWh)"), max_digits=5, decimal_places=1, null=True, blank=True)
    emission_standard = models.CharField(_("emission standard"), max_length=8, choices=Emission.choices)
    seats = models.PositiveSmallIntegerField(_("seats"), default=5)
    previous_owners = models.PositiveSmallIntegerField(_("previous owners"), default=1)
    city = models.CharField(_("city"), max_length=40, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        indexes = [
            models.Index(fields=["make", "model", "year"], name="vehicle_make_model_year_idx"),
            models.Index(fields=["city", "make"], name="vehicle_city_make_idx"),
            models.Index(fields=["year"], name="vehicle_year_idx"),
            models.Index(fields=["mileage_km"], name="vehicle_mileage_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.make} {self.model} {self.trim}".strip()

    def save(self, *args, **kwargs):
        """Listings carry copies of these facts (search and cards read them there): keep them in step."""
        super().save(*args, **kwargs)
        for listing in self.listings.all():
            listing.vehicle = self
            changed = listing.copy_facts()
            if changed:
                listing.save(update_fields=changed)

    def clean(self) -> None:
        """Refuse nonsense on the field it concerns (see ``validation.vehicle_errors`` for the rules)."""
        from .validation import vehicle_errors

        errors = vehicle_errors(self)
        if errors:
            raise ValidationError(errors)

    @property
    def make_label(self) -> str:
        """The make in the reader's language (丰田 / Toyota)."""
        return catalogue.make_label(self.make)

    @property
    def model_label(self) -> str:
        return catalogue.model_label(self.make, self.model)

    @property
    def name(self) -> str:
        return f"{self.make_label} {self.model_label}"

    @property
    def age_years(self) -> int:
        return max(timezone.localdate().year - self.first_registration.year, 0)


class Listing(StatusMachine):
    """A dealer's offer of a vehicle. Lifecycle per DESIGN.md "The life of a car"."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_INSPECTION = "awaiting_inspection", _("Awaiting inspection")
        PUBLISHED = "published", _("Published")
        RESERVED = "reserved", _("Reserved")
        SOLD = "sold", _("Sold")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    TRANSITIONS = {
        Status.DRAFT: {Status.AWAITING_INSPECTION, Status.PUBLISHED, Status.WITHDRAWN},
        Status.AWAITING_INSPECTION: {Status.PUBLISHED, Status.WITHDRAWN, Status.DRAFT},
        Status.PUBLISHED: {Status.RESERVED, Status.WITHDRAWN},
        Status.RESERVED: {Status.SOLD, Status.PUBLISHED},
        Status.SOLD: {Status.PUBLISHED},  # the car came back (return within the 30-day window)
        Status.WITHDRAWN: {Status.DRAFT},
    }
    ACTIVE_STATUSES = (Status.DRAFT, Status.AWAITING_INSPECTION, Status.PUBLISHED, Status.RESERVED)

    dealer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="listings", verbose_name=_("dealer")
    )
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="listings", verbose_name=_("vehicle"))
    price = models.DecimalField(_("asking price (CNY)"), max_digits=10, decimal_places=0)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.DRAFT)
    # Denormalised from the latest published inspection report (written by the inspections app) so
    # that search filters never join the report tables.
    inspection_grade = models.PositiveSmallIntegerField(_("inspection grade"), null=True, blank=True)
    is_accident = models.BooleanField(_("accident car"), default=False)
    is_flood = models.BooleanField(_("flood car"), default=False)
    is_fire = models.BooleanField(_("fire car"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # What search filters, sorts and cards read, copied from the vehicle and the cover photo by the marketplace
    # services (``Listing.copy_facts``), so a browse page reads one table through one index and never joins.
    make = models.CharField(_("make"), max_length=40, blank=True)
    model = models.CharField(_("model"), max_length=60, blank=True)
    trim = models.CharField(_("trim / series"), max_length=80, blank=True)
    year = models.PositiveSmallIntegerField(_("model year"), default=0)
    mileage_km = models.PositiveIntegerField(_("mileage (km)"), default=0)
    fuel = models.CharField(_("fuel"), max_length=16, blank=True)
    transmission = models.CharField(_("transmission"), max_length=16, blank=True)
    body_type = models.CharField(_("body type"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=40, blank=True)
    cover_thumb = models.CharField(_("cover thumbnail"), max_length=255, blank=True)
    # Copies of what the nightly jobs of the insights app decide (through ``listings_set_dealer_scores`` and
    # ``listings_set_price_badges``): the cards print them without joining the insights tables.
    dealer_score = models.PositiveSmallIntegerField(_("dealer credit score"), null=True, blank=True)
    price_badge = models.CharField(_("price badge"), max_length=12, blank=True)
    # The car page's gallery [[display, thumbnail], …] (kept by the photo services) and the summary of its
    # published inspection report (written by the inspections app at publication, ``listings_record_inspection``):
    # a car's page reads one row, not four tables.
    gallery = models.JSONField(_("gallery"), default=list, blank=True)
    report_summary = models.JSONField(_("inspection summary"), default=dict, blank=True)
    # The tokens a keyword search matches (``marketplace.search``): make and model in both languages, trim, VIN,
    # description.
    search_text = models.TextField(_("search text"), blank=True)
    # The last drop (``marketplace.price_history``): the card's "reduced ¥X" reads these two columns, set by
    # ``listing_set_price`` and cleared by a rise or when the drop stops being recent (a daily sweep) — each
    # change moves ``updated_at``, the card's cache key.
    previous_price = models.DecimalField(_("price before the last drop"), max_digits=10, decimal_places=0, null=True, blank=True)
    price_reduced_at = models.DateTimeField(_("price reduced at"), null=True, blank=True)
    # When the saved-search sweep matched this car against every saved search (None: still to do).
    alerts_matched_at = models.DateTimeField(_("matched against saved searches at"), null=True, blank=True, editable=False)

    objects = ListingQuerySet.as_manager()

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["-published_at", "-pk"]
        indexes = [
            # Browse reads only cars on sale, in the order of one sort, and pages by seeking past the last
            # (sort key, id) it showed: each sort has a partial index over published rows ending in the id.
            *[
                models.Index(fields=fields, name=name, condition=models.Q(status="published"))
                for name, fields in (
                    ("listing_pub_newest_idx", ["-published_at", "-id"]),
                    ("listing_pub_price_idx", ["price", "id"]),
                    ("listing_pub_price_desc_idx", ["-price", "-id"]),
                    ("listing_pub_mileage_idx", ["mileage_km", "id"]),
                    ("listing_pub_year_idx", ["-year", "-id"]),
                    ("listing_pub_make_model_idx", ["make", "model"]),
                    ("listing_pub_city_idx", ["city"]),
                )
            ],
            models.Index(fields=["status", "inspection_grade"], name="listing_status_grade_idx"),
            models.Index(fields=["dealer", "status", "-updated_at"], name="listing_dealer_status_idx"),
            # The saved-search sweep's due rows: cars on sale not yet matched, oldest first.
            models.Index(
                fields=["published_at", "id"],
                name="listing_alerts_due_idx",
                condition=models.Q(status="published", alerts_matched_at__isnull=True),
            ),
            models.Index(
                fields=["price_reduced_at"], name="listing_price_reduced_idx", condition=models.Q(price_reduced_at__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gt=0), name="listing_price_positive"),
        ]

    def __str__(self) -> str:
        return str(self.vehicle)

    def clean(self) -> None:
        from .validation import listing_errors

        errors = listing_errors(self)
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        """Every save moves ``updated_at`` (the cards' cache key) and, once committed, the page-cache versions of
        this car and of the catalogue: the change shows on every cached page at the next request."""
        update_fields = kwargs.get("update_fields")
        if update_fields is None and self.vehicle_id:
            self.copy_facts()  # a full save always carries the vehicle's facts
        elif update_fields is not None and "updated_at" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "updated_at"]
        super().save(*args, **kwargs)
        pagecache.bump("catalogue", f"listing:{self.pk}")

    #: Columns only the pages that print them read (``.defer(*Listing.PAGE_COPIES)`` everywhere else).
    PAGE_COPIES = ("search_text", "gallery", "report_summary")

    FACT_FIELDS = ("make", "model", "trim", "year", "mileage_km", "fuel", "transmission", "body_type", "city")

    def copy_facts(self) -> list[str]:
        """Copy the vehicle's searchable facts onto the listing; returns the fields that changed."""
        vehicle = self.vehicle
        changed = [name for name in self.FACT_FIELDS if getattr(self, name) != getattr(vehicle, name)]
        for name in changed:
            setattr(self, name, getattr(vehicle, name))
        text = listing_search_text(
            make=vehicle.make, model=vehicle.model, trim=vehicle.trim, vin=vehicle.vin, description=self.description
        )
        if text != self.search_text:
            self.search_text = text
            changed.append("search_text")
        return changed

    @property
    def title(self) -> str:
        return f"{self.vehicle.year} {self.vehicle.name}"

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def has_published_report(self) -> bool:
        """True when the inspections app has published a report for this car (reverse accessor only)."""
        reports = getattr(self.vehicle, "inspection_reports", None)
        return bool(reports is not None and reports.filter(status=reports.model.Status.PUBLISHED).exists())


class ListingPhoto(models.Model):
    """One photo of a listing: stored only as metadata-free JPEGs made by ``core.images``."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="photos", verbose_name=_("listing"))
    image = models.ImageField(_("photo"), upload_to="listings/%Y/%m/")
    display = models.ImageField(_("display version"), upload_to="listings/%Y/%m/display/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="listings/%Y/%m/thumbs/")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_cover = models.BooleanField(_("cover photo"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["listing", "position"], name="photo_listing_position_idx")]
        constraints = [
            models.UniqueConstraint(fields=["listing"], condition=models.Q(is_cover=True), name="one_cover_photo_per_listing"),
        ]

    def __str__(self) -> str:
        return f"{self.listing_id}#{self.position}"


class Favourite(models.Model):
    """A buyer's saved car; the price at saving time lets the page show "¥X lower since you saved it"."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites", verbose_name=_("user")
    )
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="favourites", verbose_name=_("listing"))
    price_when_saved = models.DecimalField(_("price when saved"), max_digits=10, decimal_places=0)
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)

    class Meta:
        verbose_name = _("favourite")
        verbose_name_plural = _("favourites")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "listing"], name="one_favourite_per_user_listing")]

    def __str__(self) -> str:
        return f"{self.user} ♥ {self.listing}"


class Conversation(models.Model):
    """A buyer's thread with the dealer of one listing. Only the two parties (and staff) may read it."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("listing"))
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="buyer_conversations", verbose_name=_("buyer")
    )
    dealer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dealer_conversations", verbose_name=_("dealer")
    )
    last_message_at = models.DateTimeField(_("last message at"), null=True, blank=True)
    buyer_read_at = models.DateTimeField(_("buyer last read"), null=True, blank=True)
    dealer_read_at = models.DateTimeField(_("dealer last read"), null=True, blank=True)
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["listing", "buyer"], name="one_conversation_per_buyer_listing")]
        indexes = [
            models.Index(fields=["buyer", "-last_message_at"], name="conversation_buyer_idx"),
            models.Index(fields=["dealer", "-last_message_at"], name="conversation_dealer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.buyer} ↔ {self.dealer}: {self.listing}"

    def is_party(self, user) -> bool:
        return user.pk in (self.buyer_id, self.dealer_id)

    def unread_for(self, user) -> bool:
        if self.last_message_at is None:
            return False
        read_at = self.buyer_read_at if user.pk == self.buyer_id else self.dealer_read_at if user.pk == self.dealer_id else None
        return read_at is None or read_at < self.last_message_at


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation")
    )
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("sender"))
    body = models.TextField(_("message"), max_length=2000)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="message_conversation_idx")]

    def __str__(self) -> str:
        return self.body[:50]


# --- what buyers expect (issue 19): saved searches, price history, finance defaults, viewings --------------


class SavedSearch(models.Model):
    """A buyer's ``/cars/`` filters kept under a name; new matching cars are announced (``marketplace.saved_searches``).

    The filters are stored twice: ``query`` (the URL to open) and one column per filter, so the matching sweep
    finds every search a batch of new cars matches with one join instead of one query per search.
    """

    class Frequency(models.TextChoices):
        INSTANT = "instant", _("At once, for each new car")
        DAILY = "daily", _("Once a day, as a digest")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches", verbose_name=_("buyer")
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters (URL query)"), max_length=600)
    frequency = models.CharField(_("alerts"), max_length=8, choices=Frequency.choices, default=Frequency.INSTANT)
    alerts_on = models.BooleanField(_("alerts on"), default=True)
    make = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=60, blank=True)
    body_type = models.CharField(max_length=16, blank=True)
    city = models.CharField(max_length=40, blank=True)
    fuel = models.CharField(max_length=16, blank=True)
    transmission = models.CharField(max_length=16, blank=True)
    price_min = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    price_max = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    year_min = models.IntegerField(null=True, blank=True)
    year_max = models.IntegerField(null=True, blank=True)
    mileage_max = models.BigIntegerField(null=True, blank=True)
    grade_max = models.PositiveSmallIntegerField(null=True, blank=True)
    no_accident = models.BooleanField(default=False)
    no_flood = models.BooleanField(default=False)
    no_fire = models.BooleanField(default=False)
    dealer_filter = models.BigIntegerField(null=True, blank=True)
    keywords = models.CharField(max_length=300, blank=True)  # query tokens, space-separated (marketplace.search)
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "query"], name="one_saved_search_per_user_query")]
        indexes = [
            # The sweep probes each new car's (make, model, body) and the wildcards ('') among them.
            models.Index(
                fields=["make", "model", "body_type"], name="saved_search_probe_idx", condition=models.Q(alerts_on=True)
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SavedSearchMatch(models.Model):
    """A car a saved search matched: one row per (search, car), so each car is announced once per search."""

    search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="matches")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    matched_at = models.DateTimeField()
    told_at = models.DateTimeField(null=True, blank=True)  # instant: with the match; daily: by the digest

    class Meta:
        verbose_name = _("saved-search match")
        verbose_name_plural = _("saved-search matches")
        constraints = [models.UniqueConstraint(fields=["search", "listing"], name="one_match_per_search_listing")]
        indexes = [
            models.Index(fields=["search", "id"], name="saved_search_untold_idx", condition=models.Q(told_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"{self.search_id}: {self.listing_id}"


class PriceChange(models.Model):
    """Every change of a car's asking price (``listing_set_price``): the detail page's history chart."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="price_changes", verbose_name=_("listing"))
    old_price = models.DecimalField(_("old price"), max_digits=10, decimal_places=0)
    new_price = models.DecimalField(_("new price"), max_digits=10, decimal_places=0)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )

    class Meta:
        verbose_name = _("price change")
        verbose_name_plural = _("price changes")
        ordering = ["changed_at", "pk"]
        indexes = [models.Index(fields=["listing", "changed_at"], name="price_change_listing_idx")]

    def __str__(self) -> str:
        return f"{self.listing_id}: {self.old_price} → {self.new_price}"


class FinanceSettings(models.Model):
    """The finance estimate's defaults, set by staff in the admin (one row; none means the field defaults)."""

    annual_rate = models.DecimalField(
        _("default annual interest rate (%)"), max_digits=5, decimal_places=2, default=Decimal("4.50"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(36))],
    )  # fmt: skip
    down_payment_percent = models.PositiveSmallIntegerField(
        _("default down payment (%)"), default=30, validators=[MaxValueValidator(90)]
    )
    term_months = models.PositiveSmallIntegerField(
        _("default term (months)"), default=36, validators=[MinValueValidator(12), MaxValueValidator(60)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("finance estimate settings")
        verbose_name_plural = _("finance estimate settings")

    def __str__(self) -> str:
        return str(_("Finance estimate settings"))

    def save(self, *args, **kwargs):
        """One row (pk 1); every cached card and car page showing an estimate is renewed after the commit."""
        self.pk = 1
        super().save(*args, **kwargs)
        from .finance import settings_changed

        settings_changed()


def _default_week() -> dict:
    return {str(day): ["09:00", "18:00"] for day in range(7)}


class ViewingHours(models.Model):
    """When a dealer shows cars: opening hours per weekday, slot length, closed days (``marketplace.appointments``)."""

    SLOT_CHOICES = [(30, _("30 minutes")), (45, _("45 minutes")), (60, _("1 hour")), (90, _("1½ hours"))]

    dealer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="viewing_hours", verbose_name=_("dealer")
    )
    # {"0": ["09:00", "18:00"], …} Monday = "0"; a weekday missing is closed.
    weekly = models.JSONField(_("weekly opening hours"), default=_default_week)
    slot_minutes = models.PositiveSmallIntegerField(_("slot length"), choices=SLOT_CHOICES, default=60)
    closed_on_public_holidays = models.BooleanField(_("closed on public holidays"), default=True)
    closed_days = models.JSONField(_("other closed days"), default=list, blank=True)  # ["2025-06-01", …]
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("viewing hours")
        verbose_name_plural = _("viewing hours")

    def __str__(self) -> str:
        return f"{self.dealer}"


class Appointment(StatusMachine):
    """A buyer's viewing or test drive of a car at a slot of its dealer's hours. A slot of a car is booked once."""

    class Kind(models.TextChoices):
        VIEWING = "viewing", _("Viewing")
        TEST_DRIVE = "test_drive", _("Test drive")

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No-show")

    TRANSITIONS = {Status.BOOKED: {Status.CANCELLED, Status.ATTENDED, Status.NO_SHOW}}

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="appointments", verbose_name=_("car"))
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appointments", verbose_name=_("buyer")
    )
    dealer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dealer_appointments", verbose_name=_("dealer")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.VIEWING)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.BOOKED)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    note = models.CharField(_("note for the dealer"), max_length=300, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    next_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("viewing")
        verbose_name_plural = _("viewings")
        ordering = ["starts_at", "pk"]
        constraints = [
            # Never double-booked, whatever races: one live booking per car and start time …
            models.UniqueConstraint(
                fields=["listing", "starts_at"], condition=models.Q(status="booked"), name="one_booking_per_car_slot"
            ),
            # … and one live booking per buyer and car (a second one is a reschedule).
            models.UniqueConstraint(
                fields=["listing", "buyer"], condition=models.Q(status="booked"), name="one_booking_per_buyer_car"
            ),
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="appointment_ends_after_start"),
        ]
        indexes = [
            models.Index(
                fields=["next_reminder_at", "id"],
                name="appointment_reminder_due_idx",
                condition=models.Q(status="booked", next_reminder_at__isnull=False),
            ),  # fmt: skip
            models.Index(fields=["dealer", "starts_at"], name="appointment_dealer_idx"),
            models.Index(fields=["buyer", "starts_at"], name="appointment_buyer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.listing_id} @ {self.starts_at:%Y-%m-%d %H:%M}"

    def party_of(self, user) -> str:
        return "buyer" if user.pk == self.buyer_id else "dealer" if user.pk == self.dealer_id else ""
