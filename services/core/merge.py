"""Three-way merge of one row's fields: the version someone started editing from (base), the
version saved meanwhile by someone else (theirs) and their own edit (mine).

Each field is decided on its own: a field only one side changed takes that side's value; a field
both changed to the same value is no conflict; a field both changed differently is a true
conflict. A conflicting text field is pre-filled with both texts (theirs, then mine), so nothing
either person wrote is lost unless the user deletes it; any other conflicting field keeps their
saved value until the user decides. Pure: no session, no Streamlit.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from services.core.table_edits import plain_value

MergeState = Literal["unchanged", "theirs", "mine", "same", "conflict"]
TEXT_SEPARATOR = "\n"


@dataclass(frozen=True)
class FieldMerge:
    field: str
    base: Any
    theirs: Any
    mine: Any
    merged: Any
    state: MergeState

    @property
    def conflict(self) -> bool:
        return self.state == "conflict"


def _blank(value: Any) -> Any:
    """"" and None are the same for a text field (an empty form field may be either)."""
    value = plain_value(value)
    return None if value == "" else value


def _both_texts(theirs: str | None, mine: str | None) -> str:
    """Both texts, theirs first; one of them alone when it already holds the other (or the other is empty)."""
    theirs, mine = theirs or "", mine or ""
    if mine.strip() in theirs:
        return theirs
    if theirs.strip() in mine:
        return mine
    return f"{theirs.rstrip()}{TEXT_SEPARATOR}{mine.lstrip()}"


def merge_field(field: str, base: Any, theirs: Any, mine: Any) -> FieldMerge:
    b, t, m = _blank(base), _blank(theirs), _blank(mine)
    if t == m:
        return FieldMerge(field, base, theirs, mine, theirs, "unchanged" if t == b else "same")
    if t == b:
        return FieldMerge(field, base, theirs, mine, mine, "mine")
    if m == b:
        return FieldMerge(field, base, theirs, mine, theirs, "theirs")
    if isinstance(t, str | None) and isinstance(m, str | None):
        return FieldMerge(field, base, theirs, mine, _both_texts(t, m), "conflict")
    return FieldMerge(field, base, theirs, mine, theirs, "conflict")


def three_way_merge(
    base: Mapping[str, Any], theirs: Mapping[str, Any], mine: Mapping[str, Any], fields: Iterable[str] | None = None
) -> list[FieldMerge]:
    """Field by field (``fields``, or all of ``mine``), in that order. A field missing from
    ``base`` counts as unchanged by me (so theirs is kept)."""
    merged = []
    for field in fields if fields is not None else mine:
        start = base.get(field, mine.get(field))
        merged.append(merge_field(field, start, theirs.get(field), mine.get(field, start)))
    return merged
