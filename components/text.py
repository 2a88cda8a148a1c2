"""Safe text for Markdown: user text is shown as written, never interpreted."""

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<&$:])")


def md(text: object) -> str:
    """Escape Markdown (and HTML) syntax in user text so it renders literally."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", "" if text is None else str(text))


class BuiltHtml:
    """HTML the app built itself (every piece of user text already escaped), handed to ``st.html`` as it is.

    ``st.html`` dedents and strips a plain string first (``textwrap.dedent``, a few regular-expression
    passes over the whole text) but takes an object's ``_repr_html_`` unchanged: for the map grid that the
    workshop page re-renders on every poll, a measurable share of the poll's CPU (bench/room.py)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_html_(self) -> str:
        return self.text
