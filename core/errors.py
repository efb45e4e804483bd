"""Domain errors: services raise these; views turn them into form errors or messages."""


class DomainError(Exception):
    """A business rule refused the action. ``str(error)`` is a translated, user-facing message."""

    def __init__(self, message: str = "", *, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)


class InvalidTransition(DomainError):
    """A lifecycle move that the object's transition map does not allow."""


class PermissionDeniedError(DomainError):
    """The actor may not perform this action on this object."""
