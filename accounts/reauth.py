"""Password re-confirmation for sensitive actions (contract and amendment signing), throttled like sign-in.

Failures are recorded by django-axes under the same username + IP lock as the login form, so guessing a
password on the signing page locks both; staff unlock it in the admin (Axes › Access attempts).
"""

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError


class ReauthenticationLocked(DomainError):
    """Too many wrong passwords from this address: password confirmation is paused."""

    def __init__(self) -> None:
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) if getattr(settings, "AXES_COOLOFF_TIME", None) else 0
        super().__init__(
            _(
                "Too many wrong passwords. For your security, password confirmation for this account is paused "
                "for %(minutes)s minutes. Try again later or ask our support staff to unlock it."
            )
            % {"minutes": minutes},
            code="locked",
        )


def _axes_locked(request: HttpRequest, username: str) -> bool:
    from axes.handlers.proxy import AxesProxyHandler

    AxesProxyHandler.update_request(request)
    return not AxesProxyHandler.is_allowed(request, {"username": username})


def check_password_with_throttle(request: HttpRequest, user, password: str) -> bool:
    """True when ``password`` is ``user``'s password; False when it is wrong.

    Raises ``ReauthenticationLocked`` when this username + IP is locked out (before the check, or because this
    wrong attempt reached ``AXES_FAILURE_LIMIT``). A right password clears the failures, as a sign-in does.
    Call it in the view before the signing service; show ``str(error)`` as a form error.
    """
    if not settings.AXES_ENABLED:
        return bool(password) and user.check_password(password)
    username = user.get_username()
    if _axes_locked(request, username):
        raise ReauthenticationLocked()
    authenticated = authenticate(request, username=username, password=password or "")
    if authenticated is not None and authenticated.pk == user.pk:
        from axes.handlers.proxy import AxesProxyHandler

        AxesProxyHandler.reset_attempts(ip_address=request.axes_ip_address, username=username)
        return True
    # The failure was recorded through the user_login_failed signal. Keep the caller's page (a form error)
    # instead of the login lockout page that AxesMiddleware would otherwise substitute.
    request.axes_locked_out = False
    if _axes_locked(request, username):
        raise ReauthenticationLocked()
    return False
