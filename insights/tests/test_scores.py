"""The dealer credit score: the formula on a worked example, the Bayesian prior, and the nightly recompute."""

import pytest

from complaints.models import Complaint
from insights import services
from insights.models import DealerScore, DealerScoreHistory
from insights.services.scores import ScoreInputs, score_from_inputs
from warranty.models import AfterSalesRequest

from .factories import after_sales_request, at, complaint, sold_order, survey


def test_score_formula_on_the_worked_example_of_the_how_scores_work_page():
    """Worked example (also printed on /insights/how-scores-work/):

    3 reviews of 5, 4 and 5 stars (sum 14), 20 sales, 2 complaints, 10 after-sales requests of which
    1 missed a deadline and 1 was upheld, survey CSAT average 4.5 from 8 answers.

    reviews      B = (5 × 3.5 + 14) / (5 + 3) = 3.9375 ★ → (3.9375 − 1) / 4 × 100 = 73.4 (weight 40)
    complaints   100 × (1 − 2 × 2 / 20) = 80                                          (weight 20)
    sla          100 × 9 / 10 = 90                                                     (weight 15)
    after_sales  100 × (1 − 4 × 1 / 20) = 80                                          (weight 10)
    csat         (4.5 − 1) / 4 × 100 = 87.5                                            (weight 15)
    score        (40·73.4 + 20·80 + 15·90 + 10·80 + 15·87.5) / 100 = 79.985 → 80
    """
    inputs = ScoreInputs(
        review_count=3,
        review_star_sum=14,
        sales=20,
        complaints=2,
        sla_cases=10,
        sla_breached=1,
        upheld_requests=1,
        csat_answers=8,
        csat_average=4.5,
    )
    score, components = score_from_inputs(inputs)
    assert {k: c["value"] for k, c in components.items()} == {
        "reviews": 73.4,
        "complaints": 80.0,
        "sla": 90.0,
        "after_sales": 80.0,
        "csat": 87.5,
    }
    assert score == 80


def test_one_five_star_review_does_not_make_a_five_star_dealer():
    # Only the reviews component has data: B = (5 × 3.5 + 5) / 6 = 3.75 → 68.75 → 69 (half-up), not 100.
    score, components = score_from_inputs(ScoreInputs(review_count=1, review_star_sum=5))
    assert components["reviews"]["smoothed"] == 3.75
    assert score == 69


def test_a_new_dealer_gets_the_neutral_prior_and_missing_components_drop_out():
    score, components = score_from_inputs(ScoreInputs())
    assert score == 63  # 62.5 half-up
    assert components["complaints"]["value"] is None and components["csat"]["value"] is None


def test_many_complaints_floor_the_component_at_zero():
    _, components = score_from_inputs(ScoreInputs(sales=2, complaints=5))
    assert components["complaints"]["value"] == 0


def test_nightly_recompute_aggregates_each_source_and_rewrites_the_day(buyer, dealer, other_dealer, staff_user):
    now = at(2026, 6, 30, 2)
    orders = [sold_order(buyer=buyer, dealer=dealer, delivered_at=at(2026, m, 10)) for m in (1, 2, 3, 4)]
    services.review_create(
        order=orders[0], buyer=buyer, overall=5, as_described=5, communication=5, delivery=5, now=at(2026, 1, 12)
    )
    services.review_create(
        order=orders[1], buyer=buyer, overall=1, as_described=1, communication=1, delivery=1, now=at(2026, 2, 12)
    )
    hidden = services.review_create(
        order=orders[2], buyer=buyer, overall=1, as_described=1, communication=1, delivery=1, now=at(2026, 3, 12)
    )
    services.review_hide(review=hidden, actor=staff_user, reason="abuse")  # hidden reviews do not count
    complaint(buyer=buyer, dealer=dealer, created_at=at(2026, 5, 1))
    complaint(buyer=buyer, dealer=dealer, created_at=at(2026, 5, 2), classification=Complaint.Classification.UNSUBSTANTIATED)
    complaint(buyer=buyer, dealer=dealer, created_at=at(2024, 5, 2))  # outside the 12 months
    after_sales_request(order=orders[0], submitted_at=at(2026, 1, 20), status=AfterSalesRequest.Status.COMPLETED)
    after_sales_request(order=orders[1], submitted_at=at(2026, 2, 20), status=AfterSalesRequest.Status.REJECTED, breached=True)
    after_sales_request(order=orders[2], submitted_at=at(2026, 6, 20))  # open, on time: not decided yet
    survey(order=orders[0], answered_at=at(2026, 1, 25), csat=5, nps=10)
    survey(order=orders[1], answered_at=at(2026, 2, 25), csat=4, nps=8)

    assert services.dealer_scores_recompute(now=now) == 2
    stored = DealerScore.objects.get(dealer=dealer)
    c = stored.components
    # reviews: 2 visible (5 + 1): B = (17.5 + 6) / 7 = 3.357 → 58.9
    assert (c["reviews"]["count"], c["reviews"]["value"]) == (2, 58.9)
    # complaints: 1 substantiated-or-unclassified in 12 months on 4 sales → 100 × (1 − 2/4) = 50
    assert (c["complaints"]["complaints"], c["complaints"]["sales"], c["complaints"]["value"]) == (1, 4, 50.0)
    # sla: 2 decided requests, 1 breached → 50 ; upheld: 1 completed on 4 sales → 100 × (1 − 4/4) = 0
    assert (c["sla"]["value"], c["after_sales"]["value"]) == (50.0, 0.0)
    # csat: (4.5 − 1) / 4 → 87.5
    assert c["csat"]["value"] == 87.5
    # (40·58.9 + 20·50 + 15·50 + 10·0 + 15·87.5) / 100 = 54.185 → 54
    assert stored.score == 54
    assert DealerScore.objects.get(dealer=other_dealer).score == 63

    services.dealer_scores_recompute(now=now)
    assert DealerScoreHistory.objects.filter(dealer=dealer).count() == 1


@pytest.mark.django_db
def test_recompute_with_no_dealers_does_nothing():
    assert services.dealer_scores_recompute(now=at(2026, 1, 1)) == 0


@pytest.mark.django_db
def test_the_nightly_tasks_run_their_services_under_a_lock(settings, tmp_path, monkeypatch):
    from core.locks import sweep_lock
    from insights import tasks

    settings.LOCK_DIR = tmp_path
    calls = []
    monkeypatch.setattr(tasks.services, "dealer_scores_recompute", lambda *, now: calls.append("scores") or 3)
    monkeypatch.setattr(tasks.services, "price_assessments_recompute", lambda *, now: calls.append("prices") or 5)
    assert tasks.dealer_scores_task.delay().get() == 3
    assert tasks.price_assessments_task.delay().get() == 5
    with sweep_lock("insights.dealer_scores"):  # a run still working: the next one skips
        assert tasks.dealer_scores_task.delay().get() is None
    assert calls == ["scores", "prices"]
