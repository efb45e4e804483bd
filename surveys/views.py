from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.roles import StaffRequiredMixin
from core.errors import DomainError

from . import selectors
from .forms import SurveyAnswerForm
from .services import SurveyLinkExpired, SurveyLinkInvalid, survey_answer, survey_from_token


class SurveyAnswerView(View):
    """The public answer page: no login, the signed link is the key. One answer per survey."""

    template_name = "surveys/survey_answer.html"

    def _survey_or_problem(self, request, token):
        try:
            return survey_from_token(token), None
        except SurveyLinkExpired as exc:
            return None, render(request, "surveys/survey_link_problem.html", {"error": exc, "expired": True}, status=410)
        except SurveyLinkInvalid as exc:
            return None, render(request, "surveys/survey_link_problem.html", {"error": exc, "expired": False}, status=404)

    def get(self, request, token):
        survey, problem = self._survey_or_problem(request, token)
        if problem:
            return problem
        form = None if survey.is_answered else SurveyAnswerForm()
        return render(request, self.template_name, {"survey": survey, "form": form})

    def post(self, request, token):
        survey, problem = self._survey_or_problem(request, token)
        if problem:
            return problem
        if survey.is_answered:
            messages.info(request, _("This survey has already been answered. Thank you!"))
            return redirect(request.path)
        form = SurveyAnswerForm(request.POST)
        if form.is_valid():
            try:
                survey_answer(survey=survey, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Thank you — your answer has been recorded."))
                return redirect(request.path)
        return render(request, self.template_name, {"survey": survey, "form": form})


class ClocksDashboardView(StaffRequiredMixin, TemplateView):
    """Staff can see the clocks working: recent reminders and escalations, survey results (CSAT, NPS),
    the beat schedule with each task's last run, and the outbox."""

    template_name = "surveys/clocks_dashboard.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        kind = self.request.GET.get("kind", "")
        return super().get_context_data(
            now=now,
            kind=kind,
            rows=selectors.clock_rows(kind=kind),
            kinds=selectors.clock_notification_kinds(),
            results=selectors.survey_results(),
            results_90=selectors.survey_results(since=now - timezone.timedelta(days=90))["overall"],
            comments=selectors.recent_survey_comments(),
            pipeline=selectors.survey_pipeline(now=now),
            beat_tasks=selectors.beat_tasks(),
            outbox=selectors.outbox_status(now=now),
            **kwargs,
        )
