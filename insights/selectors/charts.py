"""A chart = a table (columns + rows, also the CSV) plus a Chart.js config built from the same rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.db.models import Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.calendar import SHANGHAI


@dataclass(frozen=True)
class DateRange:
    """Inclusive local dates; ``start_at``/``end_at`` are the aware half-open bounds [start 00:00, end+1 00:00)."""

    start: dt.date
    end: dt.date

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=SHANGHAI)

    @property
    def end_at(self) -> dt.datetime:
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)

    def within(self, field: str) -> Q:
        """``field`` (an aware datetime column) falls in the range: [start 00:00, end+1 00:00) Shanghai."""
        return Q(**{f"{field}__gte": self.start_at, f"{field}__lt": self.end_at})

    def months(self) -> list[str]:
        """Every month of the range as "YYYY-MM" (so empty months still show on the axis)."""
        year, month, out = self.start.year, self.start.month, []
        while (year, month) <= (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    @classmethod
    def last_12_months(cls, today: dt.date | None = None) -> DateRange:
        today = today or timezone.localdate()
        start = dt.date(today.year - 1, today.month, 1)
        start = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        return cls(start=start, end=today)


def by_month(queryset, field: str, **aggregates) -> dict[str, dict]:
    """``aggregates`` of ``queryset`` per month of ``field`` (Asia/Shanghai), keyed "YYYY-MM": one grouped query."""
    rows = queryset.annotate(month=TruncMonth(field)).values("month").annotate(**aggregates)
    return {month_key(row["month"]): row for row in rows}


def month_key(value) -> str:
    """ "YYYY-MM" of a TruncMonth value (a date or an aware datetime)."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value, SHANGHAI) if timezone.is_aware(value) else value
    return f"{value.year:04d}-{value.month:02d}"


@dataclass
class Chart:
    key: str
    title: str
    columns: list[str]
    rows: list[list]
    kind: str = "bar"  # bar, line, doughnut, hbar, table
    labels: list[str] = field(default_factory=list)
    datasets: list[dict] = field(default_factory=list)
    unit: str = ""
    note: str = ""
    stacked: bool = False

    @classmethod
    def of_table(cls, *, rows: list[list], series, series_options: dict | None = None, **fields) -> Chart:
        """A chart of one series: labelled by the rows' first column, valued by their second."""
        dataset = {"label": series, "data": [row[1] for row in rows], **(series_options or {})}
        return cls(rows=rows, labels=[row[0] for row in rows], datasets=[dataset], **fields)

    @property
    def is_empty(self) -> bool:
        return not self.rows

    def config(self) -> dict:
        """What ``insights/charts.js`` needs (plain JSON for ``json_script``)."""
        return {
            "kind": self.kind,
            "labels": [str(label) for label in self.labels],
            "datasets": [{**d, "label": str(d.get("label", ""))} for d in self.datasets],
            "stacked": self.stacked,
            "unit": str(self.unit),
        }

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([str(c) for c in self.columns])
        for row in self.rows:
            writer.writerow(["" if v is None else v for v in row])
        return buffer.getvalue()


def days(value: dt.timedelta | None) -> float | None:
    return round(value.total_seconds() / 86400, 1) if value is not None else None


def num(value) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(float(value), 2)
