"""The admins of accounts (users, their addresses, their authenticators), logged like
the portal's own: they show who people are."""

from allauth.account.admin import EmailAddressAdmin as BaseEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as BaseAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from consents.privacy.access_log import AccessLoggedAdmin, people_of_user


@admin.register(User)
class UserAdmin(AccessLoggedAdmin, BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "last_login")
    search_fields = ("email", "first_name", "last_name")
    readonly_fields = ("key", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password", "key")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def people_of(self, obj):
        return people_of_user(obj)


# allauth's admins list people's addresses and accounts: logged like the portal's own.
admin.site.unregister(EmailAddress)
admin.site.unregister(Authenticator)


@admin.register(EmailAddress)
class EmailAddressAdmin(AccessLoggedAdmin, BaseEmailAddressAdmin):
    def people_of(self, obj):
        return people_of_user(obj.user)


@admin.register(Authenticator)
class AuthenticatorAdmin(AccessLoggedAdmin, BaseAuthenticatorAdmin):
    def people_of(self, obj):
        return people_of_user(obj.user)
