"""User text in a Teams card: plain text stays as written (Teams' mobile clients show a needless backslash),
and markup stays inert. Checked with markdown-it limited to what Adaptive Cards read: emphasis, links,
lists and backslash escapes."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from notifications.rendering import card_text as _plain

# The Adaptive Card subset of Markdown, and nothing more.
CARD_MARKDOWN = MarkdownIt("zero").enable(["emphasis", "link", "list", "escape", "newline"])
# Any element but a paragraph or a line break (where the text itself breaks the line).
MARKUP = re.compile(r"<(?!/?p>|br>)[^>]+>")


def _shown(text: str) -> str:
    """What a card shows for `text`: the rendered words, whitespace folded."""
    rendered = CARD_MARKDOWN.render(text)
    assert not MARKUP.search(rendered), rendered
    return " ".join(html.unescape(re.sub(r"</?p>|<br>", " ", rendered)).split())


@pytest.mark.parametrize(
    "text",
    [
        "NS-01",
        "2026-12-04",
        "Due Friday 8 December 2017 (3 working days overdue).",
        "Report to the board secretariat.",
        "ACT-1: Audit cases",
        "first_last@example.org",
        "5 * 3 = 15",
        "C:\\plans\\2017",
        "Costs (£1,200) + VAT!",
        "#1 priority > the rest <soon>",
    ],
)
def test_plain_text_is_left_as_written(text: str) -> None:
    assert _plain(text) == text
    assert _shown(_plain(text)) == text


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("[click](https://evil.example)", "\\[click\\](https://evil.example)"),
        ("**x**", "\\*\\*x\\*\\*"),
        ("_x_", "\\_x\\_"),
        ("- item", "\\- item"),
        ("* item", "\\* item"),
        ("+ item", "\\+ item"),
        ("1. first\n2) second", "1\\. first\n2\\) second"),
        ("Note:\n  - indented", "Note:\n  \\- indented"),
        ("a\\*b*", "a\\\\\\*b\\*"),  # the user's backslash is kept as a backslash, the pair stays inert
    ],
)
def test_markup_stays_inert(text: str, escaped: str) -> None:
    assert _plain(text) == escaped
    assert _shown(escaped) == " ".join(text.split())


@given(st.text(alphabet=st.sampled_from(list("ab1. -*_[]()\\+\n#>`!:")), max_size=40))
def test_any_text_shows_as_written_and_never_as_markup(text: str) -> None:
    assert _shown(_plain(text)) == " ".join(text.split())
