"""The one error type the UI shows to users.

A :class:`DomainError` carries an English message id (translated by the UI's
catalogue), the values to fill into it, and the form field it concerns, so a
page can show the message next to the right widget.
"""

from typing import Any


def N_(message: str) -> str:  # noqa: N802 - gettext convention for "mark, translate later"
    """Mark a message for the translation catalogue without translating it here."""
    return message


class DomainError(Exception):
    """Input or state a user must fix; ``message`` is a catalogue id with ``{placeholders}``."""

    def __init__(self, message: str, *, field: str | None = None, **params: Any) -> None:
        self.message = message
        self.field = field
        self.params = params
        super().__init__(self.render())

    def render(self, translate: Any = None) -> str:
        """The message with its values filled in, translated by ``translate`` if given."""
        template = translate(self.message) if translate else self.message
        try:
            return template.format(**self.params)
        except (KeyError, IndexError, ValueError):
            return template


class NotFoundError(DomainError):
    """The row is gone (deleted by someone else, or another workspace's)."""


class ConflictError(DomainError):
    """Someone else changed the row since it was read (optimistic locking)."""


class ValidationErrors(DomainError):
    """Several fields are wrong at once; ``errors`` holds one DomainError per field."""

    def __init__(self, errors: list[DomainError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first.message, field=first.field, **first.params)
