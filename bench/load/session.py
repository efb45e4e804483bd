"""Print a session key for a demo user, with two cars in the compare list (for the signed-in wrk run).

    DJANGO_SETTINGS_MODULE=config.settings.production python bench/load/session.py buyer1
Prints: <session key> <space-separated published listing ids>
"""

import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402

from accounts.models import User  # noqa: E402
from marketplace import session_lists  # noqa: E402
from marketplace.models import Listing  # noqa: E402

user = User.objects.get(username=sys.argv[1] if len(sys.argv) > 1 else "buyer1")
ids = list(Listing.objects.public().order_by("-pk").values_list("pk", flat=True)[:20])
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
for pk in ids[:2]:
    session_lists.compare_add(session, pk)
session.create()
print(session.session_key, " ".join(map(str, ids)))
