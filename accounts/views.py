from allauth.account import views as allauth_views
from allauth.account.internal.flows.reauthentication import get_reauthentication_flows
from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def email(request, *args, **kwargs):
    """allauth's address page, for accounts that can re-authenticate (ASVS V6.2.3, V7.5.1).

    allauth asks for the password or the second factor before an address is added, removed
    or made primary (ACCOUNT_REAUTHENTICATION_REQUIRED). An account that logs in by emailed
    code only has nothing to re-authenticate with, and allauth would let the change through;
    for those accounts the school, which registered the address, changes it.
    """
    if not get_reauthentication_flows(request.user):
        return render(request, "account/email_managed_by_school.html", status=403)
    return allauth_views.email(request, *args, **kwargs)
