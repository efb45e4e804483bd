"""The dealer credit score (0–100), recomputed nightly. The formula is public ("How scores work").

Five components, each 0–100; the score is their weighted mean over the components that have data
(a component without data — e.g. no surveys yet — drops out and the others share its weight):

=================  ======  ================================================================================
component          weight  value
=================  ======  ================================================================================
reviews            40      Bayesian average of visible verified reviews, B = (C·m + Σ stars) / (C + n) with
                           C = 5 pseudo-reviews at the prior m = 3.5 ★, mapped 1★→0, 5★→100: (B − 1) / 4 · 100.
                           Always present (no reviews → the prior, 62.5).
complaints         20      100 · max(0, 1 − 2 · complaints / sales) over the last 365 days (complaints staff
                           classified "not substantiated" do not count). No sales → no data.
sla                15      share of the dealer's after-sales requests handled without a missed deadline
                           (requests decided or breached in the last 365 days). No requests → no data.
after_sales        10      100 · max(0, 1 − 4 · upheld requests / sales): requests approved (return, exchange,
                           repair) mean the car was not as sold. No sales → no data.
csat               15      average answered survey satisfaction (1–5) about the dealer's orders in the last
                           365 days, mapped 1→0, 5→100. No answers → no data.
=================  ======  ================================================================================
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Avg, Count, F, Q, Sum
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from complaints.models import Complaint
from contracts.models import Order
from core import pagecache
from core.calendar import local_date
from marketplace.services import listings_set_dealer_scores
from surveys.models import Survey
from warranty.models import AfterSalesRequest

from ..models import DealerScore, DealerScoreHistory, Review

WINDOW = dt.timedelta(days=365)
PRIOR_REVIEWS = 5  # C
PRIOR_STARS = 3.5  # m
COMPONENT_LABELS = {
    "reviews": _("Verified reviews (smoothed)"),
    "complaints": _("Complaints per sale"),
    "sla": _("After-sales deadlines met"),
    "after_sales": _("After-sales requests upheld"),
    "csat": _("Customer satisfaction (surveys)"),
}
WEIGHTS = {"reviews": 40, "complaints": 20, "sla": 15, "after_sales": 10, "csat": 15}
COMPLAINT_PENALTY = 2  # one complaint per two sales → 0
UPHELD_PENALTY = 4  # one upheld request per four sales → 0
UPHELD_STATUSES = (
    AfterSalesRequest.Status.APPROVED,
    AfterSalesRequest.Status.IN_PROGRESS,
    AfterSalesRequest.Status.COMPLETED,
)


@dataclass
class ScoreInputs:
    """The raw figures of one dealer (all counts over the last 365 days except reviews)."""

    review_count: int = 0
    review_star_sum: int = 0
    sales: int = 0
    complaints: int = 0
    sla_cases: int = 0
    sla_breached: int = 0
    upheld_requests: int = 0
    csat_answers: int = 0
    csat_average: float | None = None


def _stars_to_100(stars: float) -> float:
    return (stars - 1) / 4 * 100


def score_from_inputs(inputs: ScoreInputs) -> tuple[int, dict]:
    """The score and its components (each with value, weight and the figures behind it)."""
    smoothed = (PRIOR_REVIEWS * PRIOR_STARS + inputs.review_star_sum) / (PRIOR_REVIEWS + inputs.review_count)
    components = {
        "reviews": {
            "value": round(_stars_to_100(smoothed), 1),
            "count": inputs.review_count,
            "average": round(inputs.review_star_sum / inputs.review_count, 2) if inputs.review_count else None,
            "smoothed": round(smoothed, 2),
        },
        "complaints": {"value": None, "complaints": inputs.complaints, "sales": inputs.sales},
        "sla": {"value": None, "cases": inputs.sla_cases, "breached": inputs.sla_breached},
        "after_sales": {"value": None, "upheld": inputs.upheld_requests, "sales": inputs.sales},
        "csat": {"value": None, "answers": inputs.csat_answers, "average": inputs.csat_average},
    }
    if inputs.sales:
        components["complaints"]["value"] = round(100 * max(0.0, 1 - COMPLAINT_PENALTY * inputs.complaints / inputs.sales), 1)
        components["after_sales"]["value"] = round(100 * max(0.0, 1 - UPHELD_PENALTY * inputs.upheld_requests / inputs.sales), 1)
    if inputs.sla_cases:
        components["sla"]["value"] = round(100 * (inputs.sla_cases - inputs.sla_breached) / inputs.sla_cases, 1)
    if inputs.csat_answers and inputs.csat_average is not None:
        components["csat"]["value"] = round(_stars_to_100(inputs.csat_average), 1)
    for name, weight in WEIGHTS.items():
        components[name]["weight"] = weight
    present = [(c["value"], c["weight"]) for c in components.values() if c["value"] is not None]
    score = sum(v * w for v, w in present) / sum(w for _, w in present)
    return max(0, min(100, math.floor(score + 0.5))), components  # half-up: 62.5 → 63


def _by_dealer(rows, key="dealer") -> dict:
    return {row[key]: row for row in rows}


def dealer_score_inputs(*, now: dt.datetime) -> dict[int, ScoreInputs]:
    """The inputs of every dealer, aggregated in SQL (one grouped query per source, not per dealer)."""
    since = now - WINDOW
    dealers = list(User.objects.filter(role=User.Role.DEALER).values_list("pk", flat=True))
    reviews = _by_dealer(
        Review.objects.public().filter(created_at__lte=now).values("dealer").annotate(n=Count("pk"), stars=Sum("overall"))
    )
    sales = _by_dealer(
        Order.objects.filter(
            delivered_at__gt=since, delivered_at__lte=now, status__in=[Order.Status.DELIVERED, Order.Status.RETURNED]
        )
        .values(dealer=F("listing__dealer"))
        .annotate(n=Count("pk"))
    )
    complaints = _by_dealer(
        Complaint.objects.filter(dealer__isnull=False, created_at__gt=since, created_at__lte=now)
        .exclude(classification=Complaint.Classification.UNSUBSTANTIATED)
        .values("dealer")
        .annotate(n=Count("pk"))
    )
    requests = _by_dealer(
        AfterSalesRequest.objects.filter(submitted_at__gt=since, submitted_at__lte=now)
        .values(dealer=F("coverage__order__listing__dealer"))
        .annotate(
            decided=Count("pk", filter=~Q(status__in=AfterSalesRequest.OPEN_STATUSES) | Q(breached_at__isnull=False)),
            breached=Count("pk", filter=Q(breached_at__isnull=False)),
            upheld=Count("pk", filter=Q(status__in=UPHELD_STATUSES)),
        )
    )
    csat = _by_dealer(
        Survey.objects.answered()
        .filter(dealer__isnull=False, csat__isnull=False, answered_at__gt=since, answered_at__lte=now)
        .values("dealer")
        .annotate(n=Count("pk"), avg=Avg("csat"))
    )
    result = {}
    for pk in dealers:
        r, s, c, q, v = reviews.get(pk, {}), sales.get(pk, {}), complaints.get(pk, {}), requests.get(pk, {}), csat.get(pk, {})
        result[pk] = ScoreInputs(
            review_count=r.get("n", 0),
            review_star_sum=r.get("stars") or 0,
            sales=s.get("n", 0),
            complaints=c.get("n", 0),
            sla_cases=q.get("decided", 0),
            sla_breached=q.get("breached", 0),
            upheld_requests=q.get("upheld", 0),
            csat_answers=v.get("n", 0),
            csat_average=float(v["avg"]) if v.get("avg") is not None else None,
        )
    return result


@transaction.atomic
def dealer_scores_recompute(*, now: dt.datetime) -> int:
    """Recompute every dealer's score and today's history row (idempotent: a re-run overwrites the day)."""
    day = local_date(now)
    count = 0
    scores = {}
    for dealer_id, inputs in dealer_score_inputs(now=now).items():
        score, components = score_from_inputs(inputs)
        DealerScore.objects.update_or_create(
            dealer_id=dealer_id, defaults={"score": score, "components": components, "computed_at": now}
        )
        DealerScoreHistory.objects.update_or_create(
            dealer_id=dealer_id, day=day, defaults={"score": score, "components": components}
        )
        scores[dealer_id] = score
        count += 1
    listings_set_dealer_scores(scores=scores)  # the cards print the score from the listing
    pagecache.bump("dealers")  # dealer pages and car pages show the new scores
    return count
