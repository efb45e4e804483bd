"""Fill a .po catalogue from a Python dict file (T = {msgid: msgstr}, PLURALS = {msgid: msgstr}) and report gaps.

Usage: .venv/bin/python scripts/fill_po.py path/to/django.po translations.py
"""

import runpy
import sys

import polib


def main(po_path: str, table_path: str) -> int:
    table = runpy.run_path(table_path)
    singles, plurals = table.get("T", {}), table.get("PLURALS", {})
    po = polib.pofile(po_path)
    missing = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags and entry.msgid not in singles and entry.msgid not in plurals:
            # makemessages' fuzzy guess (often a different string's translation): never ship it.
            entry.msgstr = ""
            entry.msgstr_plural = dict.fromkeys(entry.msgstr_plural, "")
        if entry.msgid_plural:
            text = plurals.get(entry.msgid)
            if text:
                entry.msgstr_plural = {0: text}
        elif entry.msgid in singles:
            entry.msgstr = singles[entry.msgid]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        if not (entry.msgstr or any(entry.msgstr_plural.values())):
            missing.append(entry.msgid)
    po.save()
    po.save_as_mofile(po_path[:-3] + ".mo")
    for msgid in missing:
        print("MISSING:", msgid.replace("\n", "\\n")[:120])
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
