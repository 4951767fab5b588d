from django.urls import path

from .views import core, my_consent

urlpatterns = [
    path("", core.home, name="home"),
    path("health/", core.health, name="health"),
    path("my/", my_consent.my_consent, name="my_consent"),
    path("my/<uuid:key>/", my_consent.consent_save, name="consent_save"),
    path(
        "my/<uuid:key>/withdraw/",
        my_consent.consent_withdraw_confirm,
        name="consent_withdraw",
    ),
    path("my/<uuid:key>/history/", my_consent.consent_history, name="consent_history"),
    path("receipts/<uuid:receipt_id>.pdf", my_consent.receipt_pdf_download, name="receipt_pdf"),
    path("receipts/<uuid:receipt_id>.json", my_consent.receipt_json_download, name="receipt_json"),
]
