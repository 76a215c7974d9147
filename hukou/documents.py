"""Case documents as the citizen holds them: the 补正材料通知书 (一次性告知), the 不予受理告知书, the
容缺受理承诺书 and the 受理回执, as a printable page and as a PDF made by WeasyPrint from the same HTML.

Everything is rendered from ``CaseDocument.content``, the snapshot taken when the document was
issued, never from the live case or catalog: a reprint says exactly what the first print said. The one
exception is the QR code of the receipt and the notice, which leads to the public status lookup at the
portal's address of today (``PUBLIC_BASE_URL``, else the host of the request).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hukou.models import CaseDocument, DocumentKind
from hukou.services.checklist import grouped

TEMPLATES = {
    DocumentKind.ONE_TIME_NOTICE: "hukou/documents/one_time_notice.html",
    DocumentKind.REFUSAL_NOTICE: "hukou/documents/refusal_notice.html",
    DocumentKind.COMMITMENT: "hukou/documents/commitment.html",
    DocumentKind.RECEIPT: "hukou/documents/receipt.html",
}
# The word of the 文号: （东关派出所）补正字〔2026〕第00001号.
REFERENCE_WORDS = {
    DocumentKind.ONE_TIME_NOTICE: _("补正字"),
    DocumentKind.REFUSAL_NOTICE: _("不予受理字"),
    DocumentKind.COMMITMENT: _("容缺承字"),
    DocumentKind.RECEIPT: _("受理字"),
}
REFERENCE = _("（%(station)s）%(word)s〔%(year)s〕第%(sequence)s号")
ONE_OF_SUFFIX = _("（任选其一）")
SEQUENCE_DIGITS = 5  # hukou.services.cases._document numbers documents <prefix><station code><year><sequence:05d>

# The documents that carry the QR code of the status lookup.
WITH_LOOKUP = {DocumentKind.ONE_TIME_NOTICE, DocumentKind.RECEIPT}
LOOKUP_PATH = "/status/"  # the lookup's path until the URL name hukou:lookup exists
# Error correction M (15%) survives a smudged or creased print; the quiet zone is the standard 4 modules.
QR_ERROR = "m"
QR_BORDER = 4
QR_TITLE = _("扫码查询办理进度")
NO_BASE_URL = "A QR code needs the portal's public address: set PUBLIC_BASE_URL or render with a request."


@dataclass(frozen=True)
class Requirement:
    """One numbered line of a notice: a single material, or a one-of group of which any one will do."""

    label: str
    items: tuple[dict, ...]

    @property
    def one_of(self) -> bool:
        return bool(self.items[0].get("group"))

    @property
    def heading(self) -> str:
        """The label without a trailing （任选其一）: the notice says 以下任选其一 itself."""
        return self.label.removesuffix(str(ONE_OF_SUFFIX)).removesuffix("(任选其一)").strip() or self.label


def requirements_from_entries(entries: list[dict]) -> list[Requirement]:
    """The snapshot's item entries as requirements, in order: entries sharing a group form one."""
    return [
        Requirement(label=group or members[0]["name"], items=tuple(members))
        for group, members in grouped(entries, lambda entry: entry.get("group"))
    ]


def document_reference(document: CaseDocument) -> str:
    """The 文号 derived from the stored number and the station's name, e.g.
    ``（东关派出所）补正字〔2026〕第00001号``; the stored number itself when it does not have that shape."""
    number = document.number
    issued_on = str(document.content.get("issued_on", ""))
    year, sequence = number[-SEQUENCE_DIGITS - 4 : -SEQUENCE_DIGITS], number[-SEQUENCE_DIGITS:]
    if not (year.isdigit() and sequence.isdigit() and issued_on.startswith(year)):
        return number
    return str(REFERENCE) % {
        "station": document.content.get("station_name", ""),
        "word": REFERENCE_WORDS[document.kind],
        "year": year,
        "sequence": sequence,
    }


def lookup_url(request, case_number: str | None = None) -> str:
    """The public status lookup as an absolute URL, with ``?number=`` filled in when a case number is given:
    at ``PUBLIC_BASE_URL`` when set, else at the host the request came to."""
    try:
        path = reverse("hukou:lookup")
    except NoReverseMatch:
        path = LOOKUP_PATH
    if case_number:
        path = f"{path}?{urlencode({'number': case_number})}"
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL.rstrip("/") + path
    if request is None:
        raise ImproperlyConfigured(NO_BASE_URL)
    return request.build_absolute_uri(path)


def qr_svg(data: str) -> SafeString:
    """``data`` as a QR code in an inline SVG without a fixed size: the page's CSS sizes it."""
    svg = segno.make_qr(data, error=QR_ERROR).svg_inline(
        border=QR_BORDER, omitsize=True, svgclass="qr", title=gettext(QR_TITLE)
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup: path data, and the title escaped by segno


def lookup_qr_svg(request, case_number: str) -> SafeString:
    """The QR code that opens the status lookup with the case number filled in."""
    return qr_svg(lookup_url(request, case_number))


def _date(value) -> date | None:
    return date.fromisoformat(value) if value else None


def _datetime(value) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def document_context(document: CaseDocument, *, request=None, pdf: bool = False) -> dict:
    """What the template needs. ``request`` gives the host of the lookup link when ``PUBLIC_BASE_URL`` is unset."""
    content = document.content
    lookup = {}
    if document.kind in WITH_LOOKUP:
        address = lookup_url(request)
        lookup = {
            "lookup_address": address.split("://", 1)[-1],  # what a citizen types: the browser adds https
            "lookup_qr": lookup_qr_svg(request, content["case_number"]),
        }
    return {
        "document": document,
        "c": content,
        "reference": document_reference(document),
        "received_on": _date(content.get("received_on")),
        "issued_on": _date(content.get("issued_on")),
        # The day of the application: when materials first arrived, else the day of the document.
        "applied_on": _date(content.get("received_on") or content.get("issued_on")),
        "requirements": requirements_from_entries(content.get("missing", [])),
        "any_deferrable": any(entry.get("deferrable") for entry in content.get("missing", [])),
        # The 说明 column only when some line has something to say in it.
        "missing_remarks": any(e.get("condition") or e.get("deferrable") for e in content.get("missing", [])),
        "deferred_remarks": any(entry.get("condition") for entry in content.get("deferred", [])),
        "deferred": requirements_from_entries(content.get("deferred", [])),
        "supplement_due_on": _date(content.get("supplement_due_on")),
        "due_on": _date(content.get("due_on")),
        "signed_at": _datetime(content.get("signed_at")),
        "accepted_on": _date(content.get("accepted_on")),
        "received": [{**entry, "received_on": _date(entry["received_on"])} for entry in content.get("received", [])],
        **lookup,
        "pdf": pdf,
    }


def document_template(document: CaseDocument) -> str:
    return TEMPLATES[document.kind]


def document_html(document: CaseDocument, *, request=None, pdf: bool = False) -> str:
    """The document as a standalone A4 page. ``pdf`` leaves out the on-screen toolbar."""
    context = document_context(document, request=request, pdf=pdf)
    return render_to_string(document_template(document), context, request=request)


def document_pdf(document: CaseDocument, *, request=None) -> bytes:
    """The same page as a PDF, its Chinese text embedded (Noto CJK from Debian's fonts-noto-cjk)."""
    from weasyprint import HTML  # imported here: loading Pango costs time that other pages need not pay

    return HTML(string=document_html(document, request=request, pdf=True)).write_pdf()
