from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
@transaction.non_atomic_requests
def healthz(request):
    """200 when the database answers a query, 503 otherwise (for load balancers and uptime checks)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        connection.close_if_unusable_or_obsolete()
        return JsonResponse({"status": "error", "db": "unavailable", "detail": exc.__class__.__name__}, status=503)
    return JsonResponse({"status": "ok", "db": "ok", "vendor": connection.vendor})
