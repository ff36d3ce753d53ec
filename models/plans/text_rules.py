"""The rules for text entering through any door (workbook, command line, web form): codes, names, free
text and email addresses; every door calls these, so a value refused at one is refused at all, alike."""

from __future__ import annotations

import unicodedata

from models.errors import InvalidValue

# Each rule returns the value as it will be stored, or raises InvalidValue saying what was expected.
#
# Codes (refs, area codes) and email addresses are normalised with NFKC (full-width letters and digits
# become ASCII) and must then be plain ASCII: a Cyrillic o or an invisible zero-width space would otherwise
# make a second, lookalike `A-01`, or an address no mail server can take. Names may use any script, one
# script per word.

# Bidirectional embeddings, overrides and isolates: they reorder what a reader sees ("Trojan Source").
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Control, format (zero-width, BOM, bidi), surrogate, private-use and unassigned characters.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def describe(char: str) -> str:
    """`U+200B ZERO WIDTH SPACE`: how a refused character is named in a message."""
    fallback = "a control character" if unicodedata.category(char) == "Cc" else "an unnamed character"
    return f"U+{ord(char):04X} {unicodedata.name(char, fallback)}"


def code(value: str, field: str, example: str = "TAP-07") -> str:
    """A ref or area code: printable ASCII after NFKC, no surrounding spaces."""
    text = unicodedata.normalize("NFKC", value).strip()
    expected = f"a code of letters A-Z, digits and punctuation, such as {example}"
    if not text:
        raise InvalidValue(field, value, expected)
    bad = next((c for c in text if not " " <= c <= "~"), None)
    if bad is not None:
        raise InvalidValue(field, value, f"{expected} (found {describe(bad)})")
    return text


def name(value: str, field: str) -> str:
    """A person's, plan's, board's or area's name: any script, but no hidden characters and no word that
    mixes scripts (a Latin name with one Cyrillic letter in it is a lookalike, not a name)."""
    text = " ".join(unicodedata.normalize("NFKC", value).split())
    if not text:
        raise InvalidValue(field, value, "a name")
    bad = next((c for c in text if unicodedata.category(c) in _HIDDEN), None)
    if bad is not None:
        raise InvalidValue(field, value, f"a name without hidden characters (found {describe(bad)})")
    for word in text.split():
        scripts = {_script(c) for c in word if c.isalpha() and unicodedata.category(c) != "Lm"}
        if len(scripts) > 1:
            raise InvalidValue(
                field, value, f"a name whose words are each in one script ({word!r} mixes {_listed(scripts)})"
            )
    return text


def token(value: str, field: str, expected: str) -> str:
    """A value of one line meant for a machine (a vocabulary word, a time zone, a link, an actor): no
    control, format (zero-width, bidi) or surrogate character at all."""
    bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Cf", "Cs")), None)
    if bad is not None:
        raise InvalidValue(
            field, value, f"{expected} without control or hidden characters (found {describe(bad)})"
        )
    return value


def free_text(value: str, field: str, max_length: int | None = None) -> str:
    """Commentary, titles, notes: kept exactly as written (new lines and tabs welcome), but no control
    characters (a vertical tab pasted from Word breaks every spreadsheet writer) and no bidi controls."""
    if max_length is not None and len(value) > max_length:
        raise InvalidValue(field, f"{value[:40]}...", f"at most {max_length} characters (found {len(value)})")
    bad = next(
        (
            c
            for c in value
            if (unicodedata.category(c) in ("Cc", "Cs") and c not in "\t\n\r") or c in BIDI_CONTROLS
        ),
        None,
    )
    if bad is not None:
        raise InvalidValue(field, value, f"text without control characters (found {describe(bad)})")
    return value


def email_address(value: str, field: str = "email") -> str:
    """An address any mail server takes: ASCII (internationalised addresses need SMTPUTF8, which is not
    supported), checked by email-validator, lower case."""
    text = unicodedata.normalize("NFKC", value).strip()
    expected = "an email address such as owner@example.org"
    bad = next((c for c in text if not " " < c <= "~"), None)
    if bad is not None:
        raise InvalidValue(field, value, f"{expected}, in plain ASCII (found {describe(bad)})")
    # Imported here: email-validator costs 20 ms to import, and most commands that check a code or a name
    # never check an address.
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise InvalidValue(field, value, f"{expected} ({exc})") from None
    return checked.normalized.lower()


# Scripts that one word legitimately mixes (a Japanese name in kanji and kana).
_EAST_ASIAN = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL"})


def _script(char: str) -> str:
    # A letter's Unicode name starts with its script ("LATIN SMALL LETTER A", "CYRILLIC SMALL LETTER O").
    script = unicodedata.name(char, "UNKNOWN").split(" ")[0]
    return "CJK" if script in _EAST_ASIAN else script


def _listed(scripts: set[str]) -> str:
    return " and ".join(sorted(s.title() for s in scripts))
