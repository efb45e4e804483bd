"""Domain errors of the contracts app (messages are translated and shown to users as-is)."""

from core.errors import DomainError, PermissionDeniedError


class AlreadyReserved(DomainError):
    """The car is already reserved or sold (or no longer for sale)."""


class SigningRefused(DomainError):
    """A signature could not be recorded (wrong password, wrong order, changed text …)."""


class ContractLocked(DomainError):
    """The contract is signed (or signing has begun) and can no longer change."""


class NotAParty(PermissionDeniedError):
    """The actor is neither the buyer nor the dealer of the order."""
