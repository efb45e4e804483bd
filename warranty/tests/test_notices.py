"""Every warranty notice is a declared kind with a real Chinese text, rendered in the reader's language."""

import re

import pytest
from django.utils import translation

from notifications.kinds import NoticeKind
from warranty import notices

KINDS = [kind for kind in vars(notices).values() if isinstance(kind, NoticeKind)]
SWEPT = {
    "case_deadline_reminder",
    "case_deadline_escalated",
    "case_deadline_breached",
    "window_closing",
    "extension_offer",
    "warranty_ended",
}


def _placeholders(text) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", str(text)))


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.code)
def test_each_kind_reads_in_chinese_with_the_same_parameters(kind):
    assert kind.code.startswith("warranty.")
    for text in (kind.label, kind.subject, kind.body):
        if not text or re.fullmatch(r"%\(\w+\)s", str(text)):
            continue  # no text, or only a parameter (a note someone wrote, a localized reason)
        with translation.override("en"):
            english = str(text)
        with translation.override("zh-hans"):
            chinese = str(text)
        assert chinese != english, kind.code
        assert _placeholders(chinese) == _placeholders(english), kind.code


def test_only_the_sweeps_kinds_are_clock_kinds():
    assert {kind.code.removeprefix("warranty.") for kind in KINDS if kind.clock} == SWEPT
