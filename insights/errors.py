"""Domain errors of reviews and ratings (translated messages; views show them, never a 500)."""

from core.errors import DomainError


class ReviewNotAllowed(DomainError):
    """Only the parties of a delivered order may review (the buyer) or rate (the dealer)."""


class AlreadyReviewed(DomainError):
    """One review (and one buyer rating) per order."""


class EditWindowClosed(DomainError):
    """Reviews may be edited for 14 days only."""


class AlreadyReplied(DomainError):
    """The dealer replies publicly once."""
