from allauth.account import views as allauth_views
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def logs_in_by_code_only(user) -> bool:
    return not user.has_usable_password() and not is_mfa_enabled(user)


@login_required
def email(request, *args, **kwargs):
    """allauth's address page, for accounts with a password or a second factor (ASVS V6.2.3).

    allauth asks for the password, the second factor or an emailed code before an address is
    added, removed or made primary (ACCOUNT_REAUTHENTICATION_REQUIRED). An account that logs
    in by emailed code only got that address from the school's administration, and the next
    import matches guardians on it: for those accounts the school changes it.
    """
    if logs_in_by_code_only(request.user):
        return render(request, "account/email_managed_by_school.html", status=403)
    return allauth_views.email(request, *args, **kwargs)
