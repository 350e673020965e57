"""Make text from data safe to place in Pandoc Markdown: it can only ever be text.

Every ASCII punctuation character is backslash-escaped (Pandoc's ``all_symbols_escapable``: ``\\<`` is a
literal '<', ``\\*`` a literal '*', ``\\@`` no citation, ``\\{`` no shortcode or attribute, ``\\|`` no cell
break), and line breaks become spaces, so no character sequence in a CBS label, title or sidecar field can
open raw HTML, raw Typst, emphasis, a link, a citation or a table cell. Pandoc then writes the text with the
escaping of each output format (HTML entities, Typst escapes).
"""

from __future__ import annotations

import re
import string

_PUNCTUATION = set(string.punctuation)
_SPACE = re.compile(r"\s+")


def escape(value) -> str:
    text = _SPACE.sub(" ", "" if value is None else str(value))
    return "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in text)
