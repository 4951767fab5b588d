from django.urls import path

from . import views as core
from .campaigns import views as campaigns
from .communications import views as communications
from .communications import views_family as family
from .communications import views_people as people
from .communications import views_publications as publications
from .decisions import views as my_consent
from .decisions import views_paper as paper
from .decisions import views_receipts as receipts
from .decisions import views_scans as scans
from .imports import views as imports
from .library import views as library
from .privacy import views as access
from .reports import views as reports
from .reports import views_exports as exports

urlpatterns = [
    path("", core.home, name="home"),
    path("health/", core.health, name="health"),
    path("my/", my_consent.my_consent, name="my_consent"),
    path("my/<uuid:key>/", my_consent.consent_save, name="consent_save"),
    path("my/<uuid:key>/quick/", my_consent.consent_card_action, name="consent_card_action"),
    path(
        "my/<uuid:key>/withdraw/",
        my_consent.consent_withdraw_confirm,
        name="consent_withdraw",
    ),
    path("my/<uuid:key>/history/", my_consent.consent_history, name="consent_history"),
    path(
        "my/<uuid:key>/publications/<int:pk>/takedown/",
        family.takedown_request_page,
        name="publication_takedown_request",
    ),
    path("receipts/<uuid:receipt_id>.pdf", receipts.receipt_pdf_download, name="receipt_pdf"),
    path("receipts/<uuid:receipt_id>.json", receipts.receipt_json_download, name="receipt_json"),
    path(
        "receipts/<uuid:receipt_id>.jsonld",
        receipts.receipt_jsonld_download,
        name="receipt_jsonld",
    ),
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
    # The photo library (issue 23)
    path("library/", library.library_list, name="library_list"),
    path("library/upload/", library.library_upload, name="library_upload"),
    path("library/link/", library.library_link, name="library_link"),
    path("library/retention/", library.library_retention, name="library_retention"),
    path("library/<int:pk>/delete/", library.library_item_delete_view, name="library_item_delete"),
    path("library/<int:pk>/", library.library_item, name="library_item"),
    path("library/<int:pk>/people/", library.library_item_people, name="library_item_people"),
    path("library/<int:pk>/file/", library.library_item_file, name="library_item_file"),
    path("library/<int:pk>/thumbnail/", library.library_item_thumbnail, name="library_thumbnail"),
    path("library/<int:pk>/preview/", library.library_item_preview, name="library_preview"),
    path("library/<int:pk>/publish/", library.library_item_publish, name="library_item_publish"),
    # Administrators (issue 6)
    path("manage/import/", imports.import_start, name="import_start"),
    path("manage/import/examples/<str:name>", imports.import_example, name="import_example"),
    path("manage/import/columns/", imports.import_column_add, name="import_column_add"),
    path(
        "manage/import/columns/<int:pk>/delete/",
        imports.import_column_delete,
        name="import_column_delete",
    ),
    path("manage/import/<uuid:token>/apply/", imports.import_apply, name="import_apply"),
    path("manage/import/<uuid:token>/cancel/", imports.import_cancel, name="import_cancel"),
    path("manage/people/", people.people_list, name="people_list"),
    path("manage/people/<uuid:key>/", people.person_detail, name="person_detail"),
    path("manage/people/<uuid:key>/record/", paper.paper_record, name="paper_record"),
    path(
        "manage/people/<uuid:key>/protection/",
        people.person_protection,
        name="person_protection",
    ),
    path(
        "manage/people/<uuid:key>/access.<str:fmt>",
        access.subject_access_admin,
        name="subject_access_admin",
    ),
    path("manage/scans/<int:decision_id>/", scans.scan_download, name="scan_download"),
    path("my/data.<str:fmt>", access.my_data, name="my_data"),
    path("manage/exports/", exports.register_export, name="register_export"),
    path("manage/exports/<uuid:token>/", exports.export_job, name="export_job"),
    path(
        "manage/exports/<uuid:token>/download/",
        exports.export_job_download,
        name="export_job_download",
    ),
    path("manage/campaigns/", campaigns.campaign_progress, name="campaign_progress"),
    path("reports/", reports.council_report, name="council_report"),
    path(
        "reports/report.<str:fmt>", reports.council_report_download, name="council_report_download"
    ),
]
