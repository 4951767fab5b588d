from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Only the addresses the school registered have an account: there is no open sign-up."""

    def is_open_for_signup(self, request):
        return False
