from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import ListView

from .models import Notification
from .services import notification_mark_read


class InboxView(LoginRequiredMixin, ListView):
    template_name = "notifications/inbox.html"
    context_object_name = "notifications"
    paginate_by = 20

    def get_queryset(self):
        return Notification.objects.for_user(self.request.user)


class OpenNotificationView(LoginRequiredMixin, View):
    """Mark one of the user's notifications read and follow its link (404 for someone else's)."""

    def post(self, request, pk):
        notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
        notification_mark_read(user=request.user, notification_ids=[notification.pk])
        if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()}):
            return redirect(notification.url)
        return redirect("notifications:inbox")


class MarkAllReadView(LoginRequiredMixin, View):
    def post(self, request):
        notification_mark_read(user=request.user)
        return redirect("notifications:inbox")
