"""The "my consent" pages: parents, students and staff decide, withdraw, and get a receipt."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consents.dates import school_today
from consents.decisions import self_service
from consents.decisions.self_service_forms import ConsentAnswersForm, WithdrawForm
from consents.decisions.services import InvalidDecision
from consents.models import ConsentReceipt
from consents.rules import DecisionNotAllowed


def _evidence(request) -> dict:
    return {
        "ip_address": request.META.get("REMOTE_ADDR"),
        "user_agent": request.META.get("HTTP_USER_AGENT", ""),
    }


def _problem(request, message, status):
    """A tampered or impossible request: say why, and record nothing."""
    return render(request, "consents/my_consent/problem.html", {"message": message}, status=status)


def _form_problem(request, form):
    """A posted form this page cannot have sent (stale or tampered): 400, and nothing saved."""
    errors = [message for field_errors in form.errors.values() for message in field_errors]
    return _problem(request, " ".join(errors), status=400)


def _receipt_saved(request, receipt, subject):
    if receipt is None:
        messages.info(request, _("Nothing changed, so nothing was recorded."))
        return
    messages.success(
        request,
        _(
            "Saved for %(name)s. We emailed you a receipt; you can also download it from "
            "the history."
        )
        % {"name": subject.name},
    )
    request.session["last_receipt"] = str(receipt.pk)


@login_required
@require_GET
def my_consent(request):
    on = school_today()
    cards = self_service.cards_for(request.user, on=on)
    last_receipt = None
    if receipt_id := request.session.pop("last_receipt", None):
        last_receipt = ConsentReceipt.objects.filter(pk=receipt_id, issued_to=request.user).first()
    return render(
        request,
        "consents/my_consent/index.html",
        {"cards": cards, "last_receipt": last_receipt, "today": on},
    )


@login_required
@require_POST
def consent_save(request, key):
    subject = self_service.subject_for(request.user, key)
    form = ConsentAnswersForm(request.POST, subject=subject)
    if not form.is_valid():
        return _form_problem(request, form)
    try:
        receipt = self_service.answers_save(
            actor=request.user, subject=subject, answers=form.answers(), **_evidence(request)
        )
    except DecisionNotAllowed as refusal:
        return _problem(request, refusal.args[0], status=403)
    except InvalidDecision as invalid:
        return _problem(request, " ".join(invalid.messages), status=400)
    _receipt_saved(request, receipt, subject)
    return redirect(reverse("my_consent") + f"#card-{subject.key}")


@login_required
@require_http_methods(["GET", "POST"])
def consent_withdraw_confirm(request, key):
    """One confirmation step, then the withdrawal takes effect at once (rule 6)."""
    subject = self_service.subject_for(request.user, key)
    # The confirmation page is asked for with ?purpose=, and posts it back as a hidden field.
    form = WithdrawForm(request.POST if request.method == "POST" else request.GET, subject=subject)
    if not form.is_valid():
        return _form_problem(request, form)
    purpose = form.cleaned_data["purpose"]
    try:
        if request.method == "POST":
            receipt = self_service.withdraw(
                actor=request.user, subject=subject, purpose=purpose, **_evidence(request)
            )
            if receipt is None:
                messages.info(request, _("There was no consent to withdraw."))
            else:
                messages.success(
                    request,
                    _("Consent withdrawn for %(name)s. This takes effect immediately.")
                    % {"name": subject.name},
                )
                request.session["last_receipt"] = str(receipt.pk)
            return redirect(reverse("my_consent") + f"#card-{subject.key}")
        grants = self_service.grants_to_withdraw(request.user, subject, purpose)
    except DecisionNotAllowed as refusal:
        return _problem(request, refusal.args[0], status=403)
    except InvalidDecision as invalid:
        return _problem(request, " ".join(invalid.messages), status=400)
    return render(
        request,
        "consents/my_consent/withdraw.html",
        {"subject": subject, "purpose": purpose, "grants": grants},
    )


@login_required
@require_GET
def consent_history(request, key):
    subject = self_service.subject_for(request.user, key)
    page = Paginator(self_service.history_for(request.user, subject), 50).get_page(
        request.GET.get("page")
    )
    receipts = ConsentReceipt.objects.filter(subject=subject, issued_to=request.user)
    return render(
        request,
        "consents/my_consent/history.html",
        {"subject": subject, "page": page, "receipts": receipts},
    )
