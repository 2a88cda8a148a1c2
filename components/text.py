"""Safe text for Markdown: user text is shown as written, never interpreted."""

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<&$:])")


def md(text: object) -> str:
    """Escape Markdown (and HTML) syntax in user text so it renders literally."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", "" if text is None else str(text))
