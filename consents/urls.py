from django.urls import path

from .views import communications, core, my_consent, publications

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
    path("communications/", communications.home, name="communications_home"),
    path("communications/people/", communications.lookup, name="communications_lookup"),
    path(
        "communications/people/<int:pk>/",
        communications.person_detail,
        name="communications_person",
    ),
    path(
        "communications/group-check/",
        communications.group_check_page,
        name="communications_group_check",
    ),
    path(
        "communications/publications/",
        publications.publication_list,
        name="communications_publications",
    ),
    path(
        "communications/publications/new/",
        publications.publication_create,
        name="communications_publication_create",
    ),
    path(
        "communications/publications/<int:pk>/",
        publications.publication_detail,
        name="communications_publication",
    ),
    path(
        "communications/publications/<int:pk>/review/",
        publications.publication_review_view,
        name="communications_publication_review",
    ),
    path(
        "communications/takedowns/<int:pk>/",
        publications.takedown_close_view,
        name="communications_takedown",
    ),
]
