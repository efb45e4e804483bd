"""Contract numbers: ``AX-<year>-<6 digits>``, sequential per year and never drawn twice."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from ..models import ContractCounter


def contract_next_number(*, year: int) -> str:
    """The next number of ``year``. The UPDATE takes a row lock, so concurrent transactions queue up and
    never draw the same number (the unique index on ``Contract.number`` backs it)."""
    for _attempt in range(3):
        if ContractCounter.objects.filter(year=year).update(last=F("last") + 1):
            last = ContractCounter.objects.values_list("last", flat=True).get(year=year)
            return f"AX-{year}-{last:06d}"
        try:
            with transaction.atomic():
                ContractCounter.objects.create(year=year, last=0)
        except IntegrityError:
            pass  # another transaction created this year's row first; update it on the next pass
    raise RuntimeError("could not allocate a contract number")
