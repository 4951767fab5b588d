"""The "my consent" pages: parents, students and staff decide, withdraw, and get a receipt."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consents.dates import school_today
from consents.decisions import self_service, self_service_save
from consents.decisions.self_service_forms import CardActionForm, ConsentAnswersForm, WithdrawForm
from consents.decisions.services import InvalidDecision
from consents.models import ConsentReceipt
from consents.people import subject_for
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


def _saved(request, subject, receipt, message: str):
    """Remember what the card of `subject` says after a save; the page shows it inside that
    card, where the person is, and the redirect lands on it."""
    request.session["saved"] = {
        "key": str(subject.key),
        "message": str(message if receipt else _("Nothing changed, so nothing was recorded.")),
        "receipt": str(receipt.pk) if receipt else None,
    }
    return redirect(reverse("my_consent") + f"#saved-{subject.key}")


def _saved_for(request) -> dict | None:
    saved = request.session.pop("saved", None)
    if saved and saved.get("receipt"):
        saved["receipt"] = ConsentReceipt.objects.filter(
            pk=saved["receipt"], issued_to=request.user
        ).first()
    return saved


@login_required
@require_GET
def my_consent(request):
    on = school_today()
    cards = self_service.cards_for(request.user, on=on)
    # The confirmation of a save offers to move on to the next person.
    for card, following in zip(cards, cards[1:], strict=False):
        card.next = following
    return render(
        request,
        "consents/my_consent/index.html",
        {
            "cards": cards,
            "saved": _saved_for(request),
            "today": on,
            "student": self_service.speaks_to_student(request.user, cards),
        },
    )


def _recorded(request, subject, save, message: str):
    """Run `save` (a self_service_save action); a refusal by the rules is a 403 and a
    malformed decision a 400, with nothing recorded."""
    try:
        receipt = save(actor=request.user, **_evidence(request))
    except DecisionNotAllowed as refusal:
        return _problem(request, refusal.args[0], status=403)
    except InvalidDecision as invalid:
        return _problem(request, " ".join(invalid.messages), status=400)
    return _saved(request, subject, receipt, message)


@login_required
@require_POST
def consent_save(request, key):
    subject = subject_for(request.user, key)
    form = ConsentAnswersForm(request.POST, subject=subject)
    if not form.is_valid():
        return _form_problem(request, form)
    return _recorded(
        request,
        subject,
        lambda **kw: self_service_save.answers_save(subject=subject, answers=form.answers(), **kw),
        _("Saved for %(name)s.") % {"name": subject.name},
    )


@login_required
@require_POST
def consent_card_action(request, key):
    """The one-step actions of a card: renew, no to everything, copy from a sibling."""
    subject = subject_for(request.user, key)
    form = CardActionForm(request.POST, user=request.user, subject=subject)
    if not form.is_valid():
        return _form_problem(request, form)
    action, source = form.cleaned_data["action"], form.cleaned_data["source"]
    names = {"name": subject.name, "source": source.name if source else ""}
    if action == CardActionForm.RENEW:
        save = partial(self_service_save.choices_renew, subject=subject)
        message = _("The choices for %(name)s are confirmed for this school year.") % names
    elif action == CardActionForm.REFUSE:
        save = partial(self_service_save.everything_refuse, subject=subject)
        message = _("No to everything for %(name)s: saved.") % names
    else:
        save = partial(self_service_save.choices_copy, source=source, target=subject)
        message = _("The same choices as for %(source)s are saved for %(name)s.") % names
    return _recorded(request, subject, save, message)


@login_required
@require_http_methods(["GET", "POST"])
def consent_withdraw_confirm(request, key):
    """One confirmation step, then the withdrawal takes effect at once (rule 6)."""
    subject = subject_for(request.user, key)
    # The confirmation page is asked for with ?purpose=, and posts it back as a hidden field.
    form = WithdrawForm(request.POST if request.method == "POST" else request.GET, subject=subject)
    if not form.is_valid():
        return _form_problem(request, form)
    purpose = form.cleaned_data["purpose"]
    try:
        if request.method == "POST":
            receipt = self_service_save.withdraw(
                actor=request.user, subject=subject, purpose=purpose, **_evidence(request)
            )
            if receipt is None:
                messages.info(request, _("There was no consent to withdraw."))
                return redirect(reverse("my_consent") + f"#card-{subject.key}")
            return _saved(
                request,
                subject,
                receipt,
                _("Consent withdrawn for %(name)s. This takes effect immediately.")
                % {"name": subject.name},
            )
        grants = self_service_save.grants_to_withdraw(request.user, subject, purpose)
    except DecisionNotAllowed as refusal:
        return _problem(request, refusal.args[0], status=403)
    except InvalidDecision as invalid:
        return _problem(request, " ".join(invalid.messages), status=400)
    return render(
        request,
        "consents/my_consent/withdraw.html",
        {
            "subject": subject,
            "purpose": purpose,
            "grants": grants,
            "student": self_service.is_own_student(request.user, subject),
        },
    )


@login_required
@require_GET
def consent_history(request, key):
    subject = subject_for(request.user, key)
    page = Paginator(self_service.history_for(request.user, subject), 50).get_page(
        request.GET.get("page")
    )
    receipts = ConsentReceipt.objects.filter(subject=subject, issued_to=request.user)
    return render(
        request,
        "consents/my_consent/history.html",
        {
            "subject": subject,
            "page": page,
            "receipts": receipts,
            "student": self_service.is_own_student(request.user, subject),
        },
    )
