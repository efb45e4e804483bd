"""Keyword search: the same results on PostgreSQL (through a GIN index) and SQLite (by scanning), by construction.

A car's searchable text is reduced here, in Python, to a list of tokens stored space-separated in
``Listing.search_text``: lower-cased runs of letters and digits, and for Chinese text every character and every
pair of neighbouring characters (Chinese has no spaces between words, so "一手车" is found inside "车况良好一手车").
A query is reduced the same way, and a car matches when every query token is the *start* of one of its tokens:
"bmw x3" finds "BMW X3 xDrive25i", "宝马x3" finds it too, and "lsvab" finds the VIN LSVAB2BR….

PostgreSQL answers with ``array_to_tsvector(string_to_array(search_text, ' ')) @@ to_tsquery('simple', 'bmw:* & x3:*')``
on a partial GIN index over the same expression (lexemes taken verbatim from our tokens: no parser in between);
SQLite with one ``LIKE '% token%'`` per query token. Both implement "every query token prefixes a stored token".
"""

from __future__ import annotations

import re
import unicodedata

from django.db import models
from django.db.models import Lookup

from . import catalogue

MAX_QUERY_TOKENS = 8
_WORD = re.compile(r"[0-9a-z]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _runs(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text or "").lower())


def index_tokens(text: str) -> list[str]:
    """Tokens stored for ``text``: Latin/digit runs as they are; Chinese runs as characters and pairs, plus the run."""
    out: list[str] = []
    for run in _runs(text):
        if _CJK.match(run):
            out.append(run)
            out.extend(run)
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return out


def query_tokens(query: str) -> list[str]:
    """Tokens a query must find (each as the start of a stored token): a Chinese run of two or more characters
    becomes its pairs, so a word inside a longer phrase is found; others stay as typed."""
    out: list[str] = []
    for run in _runs(query):
        if _CJK.match(run) and len(run) > 1:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return list(dict.fromkeys(out))[:MAX_QUERY_TOKENS]


def listing_search_text(*, make: str, model: str, trim: str, vin: str, description: str) -> str:
    """What ``Listing.search_text`` holds for one car (make and model in both languages, trim, VIN, description)."""
    tokens = []
    for part in (*catalogue.names_of(make, model), trim, vin, description):
        tokens.extend(index_tokens(part))
    return " ".join(dict.fromkeys(tokens))[:8000]


@models.TextField.register_lookup
class TokenPrefixes(Lookup):
    """``search_text__token_prefixes=["bmw", "x3"]``: every given token starts one of the stored tokens."""

    lookup_name = "token_prefixes"

    def get_prep_lookup(self):
        return [token for token in self.rhs if token]

    def process_rhs(self, compiler, connection):
        return "", []

    def as_postgresql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        query = " & ".join(f"{token}:*" for token in self.rhs)  # tokens are letters/digits/CJK only
        return f"array_to_tsvector(string_to_array({lhs}, ' ')) @@ to_tsquery('simple', %s)", [*params, query]

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        clauses = []
        for token in self.rhs:
            clauses.append(f"(' ' || {lhs}) LIKE %s")
            params = [*params, f"% {token}%"]
        return " AND ".join(clauses) or "1=1", params
