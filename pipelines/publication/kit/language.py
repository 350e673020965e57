"""The language of the edition being rendered, from the Quarto profile.

Quarto (and the offline engine, which copies it) exports the active profiles to the kernel as
``QUARTO_PROFILE`` (comma-separated, e.g. ``en`` or ``en,production``). The edition language is the first of
those that is a language this publication is written in; with no such profile it is Dutch, the default
profile in ``reports/_quarto.yml``.
"""

from __future__ import annotations

import os

LANGUAGES = ("nl", "en")
DEFAULT = "nl"


def current_language(environ: dict[str, str] | None = None) -> str:
    profiles = (environ if environ is not None else os.environ).get("QUARTO_PROFILE", "")
    for name in (p.strip() for p in profiles.split(",")):
        if name in LANGUAGES:
            return name
    return DEFAULT


def pick(nl: str, en: str, lang: str | None = None) -> str:
    """The text for the edition language; both languages are required, so no edition silently lacks one."""
    if not isinstance(nl, str) or not isinstance(en, str) or not nl.strip() or not en.strip():
        raise ValueError(f"label(): both a Dutch and an English text are required, got nl={nl!r}, en={en!r}")
    return nl if (lang or current_language()) == "nl" else en
