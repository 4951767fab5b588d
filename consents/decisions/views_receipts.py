"""Receipts to download: the PDF, the Kantara Consent Receipt (JSON) and the ISO/IEC TS 27560
record (JSON-LD). Only the person a receipt was issued to gets it; anyone else a 404."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from consents.decisions.receipt_formats import receipt_iso27560, receipt_kantara
from consents.decisions.receipts import receipt_filename, receipt_pdf
from consents.models import ConsentReceipt


def _own_receipt(request, receipt_id) -> ConsentReceipt:
    return get_object_or_404(
        ConsentReceipt.objects.select_related("subject__board", "subject__student", "issued_to"),
        pk=receipt_id,
        issued_to=request.user,
    )


def _json_download(record: dict, filename: str, content_type: str) -> JsonResponse:
    response = JsonResponse(
        record, content_type=content_type, json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def receipt_json_download(request, receipt_id):
    receipt = _own_receipt(request, receipt_id)
    return _json_download(
        receipt_kantara(receipt), receipt_filename(receipt, "json"), "application/json"
    )


@login_required
@require_GET
def receipt_jsonld_download(request, receipt_id):
    receipt = _own_receipt(request, receipt_id)
    return _json_download(
        receipt_iso27560(receipt), receipt_filename(receipt, "jsonld"), "application/ld+json"
    )


@login_required
@require_GET
def receipt_pdf_download(request, receipt_id):
    receipt = _own_receipt(request, receipt_id)
    response = HttpResponse(receipt_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipt_filename(receipt, "pdf")}"'
    return response
