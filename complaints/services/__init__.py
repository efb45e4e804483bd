"""Every write to a complaint. Views, admin pages and actions, and the Celery sweep call these functions.

Rules enforced here:
- deadlines come from the ``SlaPolicy`` of the category and priority, on the working-day calendar;
- status moves only along ``Complaint.TRANSITIONS``, each move writes an audit row;
- a pause (waiting for the customer) stops the clock, and resuming moves every open deadline by the
  working time that passed;
- only supervisors reassign a case someone else holds; the dealer concerned can write but never move a case;
- a staff edit on the admin page is one service, applied whole or not at all;
- every outbound message is a kind of ``complaints.notices`` sent by ``notify`` with a deterministic dedupe key.

Modules: ``filing`` (a new complaint, evidence files), ``assignment``, ``workflow`` (moves, escalation, the
customer's decision), ``conversation`` (messages, internal notes), ``pauses`` (the clock), ``staff_edit``
(the admin page's one edit), ``sweep`` (the SLA sweep), ``common`` (who may, links, SLA bookkeeping).
"""

from .assignment import assignment_refusal, complaint_assign
from .common import SUPERVISE_PERMISSION, is_supervisor, save_case, supervisors
from .conversation import complaint_post_message
from .filing import complaint_file
from .pauses import complaint_pause, complaint_resume
from .staff_edit import STAFF_FIELDS, UNCHANGED, Clock, StaffEdit, complaint_staff_update, staff_edit_refusals
from .sweep import complaint_sla_sweep
from .workflow import complaint_customer_decide, complaint_escalate, complaint_transition, transition_refusal

__all__ = [
    "STAFF_FIELDS",
    "SUPERVISE_PERMISSION",
    "UNCHANGED",
    "Clock",
    "StaffEdit",
    "assignment_refusal",
    "complaint_assign",
    "complaint_customer_decide",
    "complaint_escalate",
    "complaint_file",
    "complaint_pause",
    "complaint_post_message",
    "complaint_resume",
    "complaint_sla_sweep",
    "complaint_staff_update",
    "complaint_transition",
    "is_supervisor",
    "save_case",
    "staff_edit_refusals",
    "supervisors",
    "transition_refusal",
]
