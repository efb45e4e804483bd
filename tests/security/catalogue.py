"""Chinese for the hardening strings (lockout page, re-confirmation, media), merged into the project catalogue.

Usage: .venv/bin/python -m tests.security.catalogue   (adds missing entries to locale/zh_Hans, recompiles the .mo)
The project catalogue is shared, so this only appends entries that are not there and never rewrites others.
"""

from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

T = {
    "Sign-in paused": "登录已暂停",
    "Too many failed sign-in attempts": "登录失败次数过多",
    "For your security, signing in from this device is paused for %(minutes)s minutes.": "为保障您的账户安全，此设备上的登录已暂停 %(minutes)s 分钟。",
    "For your security, signing in from this device is paused until our staff unlock it.": "为保障您的账户安全，此设备上的登录已暂停，需由客服人员解锁。",
    "Please wait and try again, or reset your password. If you did not try to sign in, someone may be guessing "
    "your password: reset it now.": "请稍后再试，或重置密码。如果这些登录尝试不是您本人操作，可能有人在猜测您的密码，请立即重置。",
    "Our support staff can unlock the account for you.": "客服人员可以为您解锁账户。",
    "Reset your password": "重置密码",
    "Back to the home page": "返回首页",
    "Too many wrong passwords. For your security, password confirmation for this account is paused for "
    "%(minutes)s minutes. Try again later or ask our support staff to unlock it.": "密码错误次数过多。为保障您的账户安全，该账户的密码确认已暂停 %(minutes)s 分钟。请稍后再试，或联系客服人员解锁。",
}
PLURALS = {
    ("This account was locked after %(limit)s wrong password.", "This account was locked after %(limit)s wrong passwords."): (
        "连续 %(limit)s 次密码错误，该账户已被锁定。"
    ),
}


def main() -> None:
    po = polib.pofile(str(PO))
    added = 0
    for msgid, msgstr in T.items():
        if po.find(msgid) is None:
            po.append(polib.POEntry(msgid=msgid, msgstr=msgstr, flags=["python-format"] if "%(" in msgid else []))
            added += 1
    for (msgid, plural), msgstr in PLURALS.items():
        if po.find(msgid) is None:
            po.append(polib.POEntry(msgid=msgid, msgid_plural=plural, msgstr_plural={0: msgstr}, flags=["python-format"]))
            added += 1
    po.save()
    po.save_as_mofile(str(PO.with_suffix(".mo")))
    print(f"added {added} entries to {PO}")


if __name__ == "__main__":
    main()
