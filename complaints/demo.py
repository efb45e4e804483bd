"""Demo complaints in every state, assigned to the demo ``staff`` user; a few with deadlines minutes away so
the Celery SLA sweep visibly reminds and escalates soon after the worker starts. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from . import services
from .models import Complaint

Status = Complaint.Status

CASES = [
    # key, buyer, dealer, category, priority, subject, description, desired outcome, target state
    (
        "new-due-now",
        "buyer1",
        "dealer1",
        "vehicle_quality",
        "high",
        "发动机故障灯亮起",
        "提车第三天仪表盘发动机故障灯亮起，怠速抖动明显。",
        "免费检修并出具检测报告",
        "new_due",
    ),
    (
        "ack-reminder",
        "buyer2",
        "dealer2",
        "after_sales",
        "normal",
        "售后维修一直没有回复",
        "提交包修申请后三天没有任何人联系我。",
        "尽快安排维修",
        "ack_due",
    ),
    (
        "investigating",
        "buyer1",
        "dealer3",
        "delivery",
        "normal",
        "交车时缺少备用钥匙",
        "合同写明两把钥匙，交车只给了一把。",
        "补交备用钥匙或折价补偿",
        "investigating",
    ),
    (
        "proposed",
        "buyer2",
        "dealer1",
        "contract",
        "normal",
        "合同金额与实际收款不符",
        "实际转账比合同多收了 1,200 元服务费。",
        "退还多收的费用",
        "proposed",
    ),
    ("closed", "buyer1", "dealer4", "other", "low", "销售人员态度不好", "询问车况时销售人员不耐烦。", "道歉", "closed"),
    (
        "breached",
        "buyer2",
        "dealer5",
        "vehicle_quality",
        "urgent",
        "空调不制冷",
        "提车一周空调完全不制冷，天气很热。",
        "维修或退车",
        "breached",
    ),
    (
        "paused",
        "buyer1",
        "dealer2",
        "after_sales",
        "normal",
        "变速箱换挡顿挫",
        "二挡升三挡明显顿挫，4S 店说需要更换阀体。",
        "按质保免费维修",
        "paused",
    ),
]


def _set_deadline(complaint: Complaint, field: str, when: dt.datetime) -> None:
    setattr(complaint, field, when)
    services.save_case(complaint, [field])


def seed(*, stdout, rng, **kwargs) -> None:
    User = get_user_model()
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["buyer1", "buyer2", "staff", "supervisor", "dealer1", "dealer2", "dealer3", "dealer4", "dealer5"]
        )
    }
    staff, supervisor = users.get("staff"), users.get("supervisor")
    if staff is None or supervisor is None:
        stdout.write("  complaints: demo users missing; skipped")
        return

    # The demo "staff" works complaints but is not a supervisor; "supervisor" is (superuser, and in the group).
    supervise = Permission.objects.get(content_type__app_label="complaints", codename="supervise_complaint")
    service_group, _ = Group.objects.get_or_create(name="Customer service")
    service_group.permissions.add(
        *Permission.objects.filter(content_type__app_label="complaints").exclude(codename="supervise_complaint")
    )
    service_group.permissions.remove(supervise)
    staff.groups.add(service_group)
    supervisors, _ = Group.objects.get_or_create(name="Supervisors")
    supervisors.permissions.add(*Permission.objects.filter(content_type__app_label="complaints"))
    supervisor.groups.add(supervisors)

    created = 0
    now = timezone.now()
    for _key, buyer_name, dealer_name, category, priority, subject, description, outcome, state in CASES:
        buyer, dealer = users.get(buyer_name), users.get(dealer_name)
        if buyer is None or Complaint.objects.filter(complainant=buyer, subject=subject).exists():
            continue
        order = buyer.orders.filter(listing__dealer=dealer).first() if dealer else None
        filed_at = now - dt.timedelta(hours=rng.randint(2, 30))
        complaint = services.complaint_file(
            complainant=buyer,
            complainant_name=buyer.full_name or buyer.username,
            complainant_phone=buyer.phone or "13800000000",
            category=category,
            priority=priority,
            subject=subject,
            description=description,
            desired_outcome=outcome,
            dealer=None if order else dealer,
            order=order,
            now=filed_at,
        )
        created += 1
        if state == "new_due":
            # Unassigned, acknowledgement due in 8 minutes: supervisors are reminded at once, then it escalates.
            _set_deadline(complaint, "ack_due_at", now + dt.timedelta(minutes=8))
            continue
        services.complaint_assign(complaint=complaint, assignee=staff, actor=staff)
        if state == "ack_due":
            _set_deadline(complaint, "ack_due_at", now + dt.timedelta(minutes=25))
            continue
        if state == "breached":
            _set_deadline(complaint, "ack_due_at", now - dt.timedelta(minutes=5))  # the first sweep breaches and escalates it
            continue
        services.complaint_transition(complaint=complaint, to_status=Status.ACKNOWLEDGED, actor=staff)
        services.complaint_post_message(
            complaint=complaint,
            author=staff,
            body="您好，我们已收到您的投诉，正在联系车商核实情况。",
        )
        services.complaint_transition(complaint=complaint, to_status=Status.INVESTIGATING, actor=staff)
        services.complaint_post_message(
            complaint=complaint, author=staff, body="车商此前有两起类似投诉，需重点跟进。", internal=True
        )
        if dealer is not None:
            services.complaint_post_message(
                complaint=complaint, author=dealer, body="非常抱歉给您带来不便，我们会尽快与您联系处理。"
            )
        if state == "investigating":
            _set_deadline(complaint, "resolve_due_at", now + dt.timedelta(minutes=40))
            continue
        if state == "paused":
            services.complaint_pause(complaint=complaint, actor=staff, reason="请上传 4S 店的检测报告照片")
            continue
        complaint.resolution = (
            "车商同意退还多收的费用并书面致歉，款项 3 个工作日内原路退回。"
            if state == "proposed"
            else "车商已向客户道歉，并对销售人员进行培训。"
        )
        complaint.classification = Complaint.Classification.SUBSTANTIATED
        complaint.root_cause = Complaint.RootCause.CONTRACT_TERMS if state == "proposed" else Complaint.RootCause.SERVICE_ATTITUDE
        complaint.save(update_fields=["resolution", "classification", "root_cause"])
        services.complaint_transition(complaint=complaint, to_status=Status.RESOLUTION_PROPOSED, actor=staff)
        if state == "closed":
            services.complaint_customer_decide(complaint=complaint, actor=buyer, accept=True)
            services.complaint_transition(complaint=complaint, to_status=Status.CLOSED, actor=staff, note="客户电话确认满意")
    stdout.write(f"  complaints: {created} new demo complaints (staff works them; supervisor supervises)")
