"""The error types the UI shows to users: one :class:`DomainError`, and :class:`Problems` for many at once.

A :class:`DomainError` carries an English message id (translated by the UI's
catalogue), the values to fill into it, and the form field it concerns, so a
page can show the message next to the right widget.
"""

from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Problem:
    """One thing wrong in rows a user gave at once (a file, a pasted table, an edited grid).

    ``line``: where — the file's line or the sheet's row (header = 1), or the label of a table row;
    None: the input as a whole. ``column``: the column, field or document path it concerns.
    """

    line: int | str | None
    column: str | None
    error: DomainError

    def render(self, translate: Any = None) -> str:
        return self.error.render(translate)


class Problems(DomainError):
    """Nothing was saved: ``problems`` lists everything wrong, so the user can fix it in one go.

    With one problem the error reads as that problem; with several as ``summary``.
    """

    def __init__(self, problems: Sequence[Problem], summary: str = N_("Nothing was saved: {count} problems were found.")) -> None:
        self.problems = list(problems)
        if len(self.problems) == 1:
            first = self.problems[0].error
            super().__init__(first.message, field=first.field, **first.params)
        else:
            super().__init__(summary, count=len(self.problems))
