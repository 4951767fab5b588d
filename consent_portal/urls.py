from allauth.account import views as account_views
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from consent_portal import csp_reports

handler500 = "consent_portal.errors.server_error"
handler400 = "consent_portal.errors.bad_request"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # The CSP's report-uri and report-to (settings.CONTENT_SECURITY_POLICY).
    path("csp-report/", csp_reports.csp_report, name="csp_report"),
    # Staff log in through allauth, so that the second factor cannot be bypassed.
    path("admin/login/", account_views.login, name="admin_login_via_allauth"),
    path("admin/", admin.site.urls),
    # Before allauth's own: re-authentication before an address changes (accounts/views.py).
    path("accounts/email/", accounts_views.email, name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("", include("consents.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
