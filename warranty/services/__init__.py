"""Every write of the warranty app. Views, admin actions, Celery tasks and the demo call these.

``coverage`` starts, updates and closes the guarantee of an order (and saves policies); ``extensions``
sells extended warranty; ``cases`` is the one lifecycle of requests and claims (lock, handler check,
move with deadline and audit); ``requests`` and ``claims`` are the two kinds of case; ``repairs`` records
shop repairs and the repeated-failure rule; ``sweeps`` are the clocks; ``staff`` says who hears of what.
"""

from core.errors import DomainError, PermissionDeniedError

from .cases import case_lock, case_lock_for, case_move, case_submit
from .claims import claim_authorise, claim_complete, claim_open, claim_reject, claim_review
from .coverage import (
    Backfill,
    NotCovered,
    NotDelivered,
    WindowClosed,
    coverage_backfill,
    coverage_close,
    coverage_on_delivery,
    coverage_start,
    coverage_start_failed,
    coverage_update_odometer,
    guarantee_url,
    policy_save,
)
from .extensions import extension_purchase
from .repairs import coverage_flag_repeated_failure, repair_record_create
from .requests import (
    complaint_url_for,
    request_approve,
    request_complete,
    request_create,
    request_reject,
    request_start_assessment,
    request_start_work,
)
from .sweeps import guarantee_clock_sweep, warranty_sla_sweep

#: TRANSITIONAL name for ``coverage_start``, for callers outside this app (tests/security/world.py,
#: complaints/tests/test_services.py, surveys/tests/test_clock_tasks.py) until they use the new name.

__all__ = [
    "Backfill",
    "DomainError",
    "NotCovered",
    "NotDelivered",
    "PermissionDeniedError",
    "WindowClosed",
    "case_lock",
    "case_lock_for",
    "case_move",
    "case_submit",
    "claim_authorise",
    "claim_complete",
    "claim_open",
    "claim_reject",
    "claim_review",
    "complaint_url_for",
    "coverage_backfill",
    "coverage_close",
    "coverage_flag_repeated_failure",
    "coverage_on_delivery",
    "coverage_start",
    "coverage_start_failed",
    "coverage_update_odometer",
    "extension_purchase",
    "guarantee_clock_sweep",
    "guarantee_url",
    "policy_save",
    "repair_record_create",
    "request_approve",
    "request_complete",
    "request_create",
    "request_reject",
    "request_start_assessment",
    "request_start_work",
    "warranty_sla_sweep",
]
