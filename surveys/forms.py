from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Survey

CSAT_CHOICES = [
    (1, _("1 · Very dissatisfied")),
    (2, _("2 · Dissatisfied")),
    (3, _("3 · Neutral")),
    (4, _("4 · Satisfied")),
    (5, _("5 · Very satisfied")),
]
NPS_CHOICES = [(n, str(n)) for n in range(11)]


class SurveyAnswerForm(forms.Form):
    csat = forms.TypedChoiceField(
        label=_("Overall, how satisfied are you?"), choices=CSAT_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    nps = forms.TypedChoiceField(
        label=_("How likely are you to recommend Anxin Auto to a friend? (0 = not at all, 10 = extremely likely)"),
        choices=NPS_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    tags = forms.MultipleChoiceField(
        label=_("What stood out? (optional)"), choices=Survey.Tag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    comment = forms.CharField(
        label=_("Anything else you would like to tell us? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = True
        self.helper.form_method = "post"
        self.helper.layout = Layout(
            InlineRadios("csat"),
            InlineRadios("nps"),
            Field("tags"),
            Field("comment"),
            Submit("submit", _("Send my answer"), css_class="btn-primary w-100 w-sm-auto"),
        )
