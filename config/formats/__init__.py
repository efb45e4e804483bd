"""One date format per language (``FORMAT_MODULE_PATH``): every page prints dates and times the same way —
``DATE_FORMAT`` / ``DATETIME_FORMAT``, and the SHORT_ ones are the same, so a page never mixes two styles.
Times are on the 24-hour clock in both languages (no "p.m." to double a sentence's full stop)."""
