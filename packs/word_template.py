"""A council's Word template (docxtpl: Jinja tags inside Word): checked before it is used or stored, so a
broken one is named with the tag and the paragraph it is in, and filled with the cover's values.

docxtpl puts each Word paragraph on a line of its own before Jinja reads the document: a syntax error's line
number is therefore the paragraph it is in, which is how the error names it.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from models.errors import BadInput
from packs.word_cover import TAGS

# What a template may name besides the cover's tags: what Jinja itself gives a loop.
_JINJA_NAMES = {"loop", "range", "true", "false", "none"}
_TAG = re.compile(r"\{[{%](.*?)[}%]\}")
MAX_BYTES = 20 * 1024 * 1024


class TemplateBroken(BadInput):
    """A Word template that cannot be filled: each problem names the tag and the paragraph it is in."""

    def __init__(self, name: str, problems: list[str]) -> None:
        self.problems = problems
        listed = "; ".join(problems)
        known = ", ".join(sorted(TAGS))
        super().__init__(f"The Word template {name} cannot be used: {listed}. The tags it may use: {known}.")


# A loop in a council's template runs at most this many times: enough for any cover, and a typing slip
# (`range(10**9)`) cannot hold a pack build.
MAX_LOOP = 1_000


def _range(*args: int) -> range:
    found = range(*args)
    if len(found) > MAX_LOOP:
        raise OverflowError(f"a loop of {len(found):,} turns, more than a template's {MAX_LOOP:,}")
    return found


def _environment() -> Any:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    # A template is a council's document, not our code: Jinja's sandbox refuses attribute tricks that reach
    # Python's internals (`''.__class__.__mro__...`: code run on the server otherwise) and changes to the
    # values. Autoescaped: the values go into Word's XML, where a "<" or "&" in a title must print as itself.
    env = ImmutableSandboxedEnvironment(autoescape=True)
    env.globals["range"] = _range
    return env


def _template(data: bytes, name: str) -> Any:
    from docx.opc.exceptions import PackageNotFoundError
    from docxtpl import DocxTemplate

    if len(data) > MAX_BYTES:
        raise TemplateBroken(name, [f"it is {len(data):,} bytes, more than a template's {MAX_BYTES:,}"])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(i.file_size for i in archive.infolist())
        if inflated > 10 * MAX_BYTES:  # a zip bomb is refused before python-docx inflates it
            raise TemplateBroken(name, [f"it inflates to {inflated:,} bytes"])
        template = DocxTemplate(io.BytesIO(data))
        template.init_docx()
    # A zip that is no Word document, or Word XML that does not parse (lxml's errors are SyntaxErrors).
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, SyntaxError) as exc:
        raise TemplateBroken(name, [f"it is not a Word .docx document ({exc})"]) from exc
    return template


def _paragraphs(template: Any) -> list[str]:
    """Each part's XML as docxtpl gives it to Jinja (body, then headers and footers), one paragraph a line."""
    parts = [template.patch_xml(template.get_xml())]
    for rel in template.docx.part.rels.values():
        if rel.reltype in (template.HEADER_URI, template.FOOTER_URI):
            parts.append(template.patch_xml(template.get_part_xml(rel.target_part)))
    return [re.sub(r"<w:p([ >])", r"\n<w:p\1", xml) for xml in parts]


def _text(line: str) -> str:
    return re.sub(r"<[^>]+>", "", line).strip()


def problems_in(data: bytes, name: str = "template") -> list[str]:
    """Every problem with the template, each naming the tag and the paragraph; empty when it can be used."""
    from jinja2 import TemplateSyntaxError, meta

    template = _template(data, name)
    env = _environment()
    problems: list[str] = []
    for xml in _paragraphs(template):
        lines = xml.splitlines()
        try:
            parsed = env.parse(xml)
        except TemplateSyntaxError as exc:
            where = _text(lines[exc.lineno - 1]) if 0 < exc.lineno <= len(lines) else ""
            problems.append(f'{exc.message} in the paragraph "{where[:120]}" (paragraph {exc.lineno - 1})')
            continue
        try:
            undeclared = meta.find_undeclared_variables(parsed)
        except TemplateSyntaxError as exc:  # an unknown filter or test is found when the template is compiled
            where = _text(lines[exc.lineno - 1]) if 0 < exc.lineno <= len(lines) else ""
            problems.append(f'{exc.message} in the paragraph "{where[:120]}" (paragraph {exc.lineno - 1})')
            continue
        for unknown in sorted(undeclared - set(TAGS) - _JINJA_NAMES):
            problems.append(f"unknown tag {unknown!r} in {_where(lines, unknown)}")
    return problems


def _where(lines: list[str], name: str) -> str:
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    for number, line in enumerate(lines):
        text = _text(line)
        if any(pattern.search(tag) for tag in _TAG.findall(text)):
            return f'the paragraph "{text[:120]}" (paragraph {number})'
    return "the document"


def fill(data: bytes, values: dict[str, Any], name: str = "template") -> Any:
    """The template checked, then filled: a python-docx Document the pack's body is appended to."""
    from jinja2 import TemplateError

    problems = problems_in(data, name)
    if problems:
        raise TemplateBroken(name, problems)
    template = _template(data, name)
    try:
        template.render(values, _environment(), autoescape=True)
    # What the tags do with the values is the template's: a filter given a value it cannot take, a number
    # added to words, a division by zero, a loop too long, something the sandbox refuses. Each is the
    # template's problem, said as such, never a crash of the pack.
    except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError, AttributeError) as exc:
        raise TemplateBroken(name, [f"{type(exc).__name__}: {exc}, while filling it"]) from exc
    return template.docx
