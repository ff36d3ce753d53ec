"""The pack as a Word document: the cover from the board's template (or the committee-report cover the
product ships), then every section of the same PackContext the HTML and PDF render.

Deterministic, like the PDF: the document's dates are the moment its data speaks for, and the zip's entries
carry that moment too (python-docx stamps them with the time of saving), so unchanged data gives the same
bytes.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from datetime import UTC, datetime, time
from typing import Any, TypeVar

from packs.context import PackContext
from packs.render import TITLES
from packs.word_body import WordCharts, write_body
from packs.word_cover import CoverFacts, cover_values, default_template
from packs.word_template import fill

DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LANGUAGE = "en-GB"  # what a screen reader speaks the pack in, and Word's spelling checks against


def render_docx(
    context: PackContext,
    charts: WordCharts,
    facts: CoverFacts,
    template: bytes | None = None,
    template_name: str = "the default committee-report template",
) -> bytes:
    """The Word pack; a template that cannot be filled raises TemplateBroken (packs.word_template)."""
    context = xml_safe(context)
    doc = fill(template or default_template(), xml_safe(cover_values(context, facts)), template_name)
    _ensure_styles(doc)
    titles = dict(TITLES)
    if context.has("register"):  # as the PDF: the rules are Appendix B when the register is Appendix A
        titles["rules"] = TITLES["rules"].replace("Appendix:", "Appendix B:")
    write_body(doc, context, charts, titles)
    moment = _moment(context)
    props = doc.core_properties
    props.title = f"{context.title} ({context.audience} pack)"
    props.subject = context.plan
    props.author = props.last_modified_by = "Line of Sight"
    props.created = props.modified = props.last_printed = moment
    props.revision = 1
    props.language = LANGUAGE
    _set_language(doc)
    out = io.BytesIO()
    doc.save(out)
    return _fixed_zip(out.getvalue(), moment)


# Characters XML 1.0 cannot hold (C0 controls but tab and new lines, the surrogates, U+FFFE and U+FFFF): the
# text rules let some through (a noncharacter is printable to them) and the PDF prints them, but lxml refuses
# the whole document. Each becomes U+FFFD, the replacement character, as a browser shows it.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
T = TypeVar("T")


def xml_safe(value: T) -> T:
    """`value` with every string in it (through dataclasses, tuples, lists and dicts) fit for Word's XML."""
    if isinstance(value, str):
        return _NOT_XML.sub("\ufffd", value)  # type: ignore[return-value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changed = {f.name: xml_safe(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changed)
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return type(value)(*(xml_safe(v) for v in value))
    if isinstance(value, (tuple, list)):
        return type(value)(xml_safe(v) for v in value)
    if isinstance(value, dict):
        return {k: xml_safe(v) for k, v in value.items()}  # type: ignore[return-value]
    return value


def _moment(context: PackContext) -> datetime:
    if context.data_as_of is not None:
        return context.data_as_of.until.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    return datetime.combine(context.built_on, time(0))


def _fixed_zip(data: bytes, moment: datetime) -> bytes:
    """The same entries in the same order, each stamped with the data's moment instead of the clock's."""
    stamp = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def _ensure_styles(doc: Any) -> None:
    """A council's template may lack the styles the body uses: the missing ones are added as Word's own
    built-in styles (a heading keeps its outline level, so the navigation pane still lists it)."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn
    from lxml import etree

    names = {s.name for s in doc.styles}
    for level in (1, 2, 3):
        name = f"Heading {level}"
        if name not in names:
            style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH, builtin=True)
            style.base_style = doc.styles["Normal"]
            style.font.bold = True
            outline = etree.SubElement(style.element.get_or_add_pPr(), qn("w:outlineLvl"))
            outline.set(qn("w:val"), str(level - 1))
    for name in ("List Bullet", "List Paragraph", "Caption"):
        if name not in names:
            doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH, builtin=True).base_style = doc.styles[
                "Normal"
            ]


def _set_language(doc: Any) -> None:
    """The document's default language (styles' docDefaults), where a council's template set none or Word's
    own en-US: every run without a language of its own is read as British English."""
    from docx.oxml.ns import qn
    from lxml import etree

    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = etree.Element(qn("w:docDefaults"))
        doc.styles.element.insert(0, defaults)
    run_defaults = defaults.find(qn("w:rPrDefault"))
    if run_defaults is None:  # first: the schema puts the run defaults before the paragraph defaults
        run_defaults = etree.Element(qn("w:rPrDefault"))
        defaults.insert(0, run_defaults)
    r_pr = run_defaults.find(qn("w:rPr"))
    if r_pr is None:
        r_pr = etree.SubElement(run_defaults, qn("w:rPr"))
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = etree.SubElement(r_pr, qn("w:lang"))
    if lang.get(qn("w:val")) in (None, "", "en-US"):
        lang.set(qn("w:val"), LANGUAGE)
