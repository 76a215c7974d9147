"""Case documents for the window staff: the printable page and the PDF download. Another unit's
document answers 404, like a missing one."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hukou import documents, selectors
from hukou.models import CaseDocument
from windows.views import staff_required


def _document_or_404(request: HttpRequest, number: str) -> CaseDocument:
    try:
        return selectors.document_get(user=request.user, number=number)
    except CaseDocument.DoesNotExist:
        raise Http404 from None


@staff_required
@never_cache  # personal data: no copy in any cache
@require_GET
def document_detail(request: HttpRequest, number: str) -> HttpResponse:
    document = _document_or_404(request, number)
    context = documents.document_context(document, request=request)
    return render(request, documents.document_template(document), context)


@staff_required
@never_cache
@require_GET
def document_pdf(request: HttpRequest, number: str) -> HttpResponse:
    document = _document_or_404(request, number)
    response = HttpResponse(documents.document_pdf(document, request=request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.number}.pdf"'
    return response
