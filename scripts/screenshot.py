"""Screenshot pages in headless Debian Chromium (Playwright) — for looking at what we build.

Usage: .venv/bin/python scripts/screenshot.py BASE_URL OUT_DIR PATH [PATH ...] [--login USER] [--lang en|zh-hans]
Writes OUT_DIR/<name>-<lang>-<phone|desktop>.png for each path.
"""

import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("out")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--login")
    parser.add_argument("--password", default="anxin-demo-2026")
    parser.add_argument("--lang", default="both")
    parser.add_argument("--sizes", default="phone,desktop")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    langs = ["en", "zh-hans"] if args.lang == "both" else [args.lang]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for size in args.sizes.split(","):
            for lang in langs:
                context = browser.new_context(viewport=SIZES[size], device_scale_factor=1)
                context.add_cookies([{"name": "django_language", "value": lang, "url": args.base}])
                page = context.new_page()
                if args.login:
                    page.goto(f"{args.base}/accounts/login/")
                    page.fill("input[name=username]", args.login)
                    page.fill("input[name=password]", args.password)
                    page.click("form button[type=submit]")
                for path in args.paths:
                    page.goto(f"{args.base}{path}")
                    name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
                    target = out / f"{name}-{lang}-{size}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target)
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
