"""Domain errors raised by services; the API maps them onto HTTP answers."""

from typing import Any


class DomainError(Exception):
    """A rule of the domain forbids this; the API answers 409 with the message."""

    status_code = 409

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransitionNotAllowed(DomainError):
    """A drill or scenario version cannot move to the asked state from its current one."""


class ImmutableObject(DomainError):
    """An approved scenario version, a finished drill: it may no longer change."""


class InvalidInput(Exception):
    """Bad input found by a service; the API answers 400 with these field messages."""

    def __init__(self, errors: dict[str, Any] | str) -> None:
        if isinstance(errors, str):
            errors = {"non_field_errors": [errors]}
        super().__init__(str(errors))
        self.errors = errors
