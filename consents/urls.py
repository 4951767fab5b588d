from django.urls import path

from .views import access, core, exports, imports, paper, people, reports

urlpatterns = [
    path("", core.home, name="home"),
    path("health/", core.health, name="health"),
    # Administrators (issue 6)
    path("manage/import/", imports.import_start, name="import_start"),
    path("manage/import/examples/<str:name>", imports.import_example, name="import_example"),
    path("manage/import/<uuid:token>/apply/", imports.import_apply, name="import_apply"),
    path("manage/import/<uuid:token>/cancel/", imports.import_cancel, name="import_cancel"),
    path("manage/people/", people.people_list, name="people_list"),
    path("manage/people/<uuid:key>/", people.person_detail, name="person_detail"),
    path("manage/people/<uuid:key>/record/", paper.paper_record, name="paper_record"),
    path(
        "manage/people/<uuid:key>/access.<str:fmt>",
        access.subject_access_admin,
        name="subject_access_admin",
    ),
    path("manage/scans/<int:decision_id>/", people.scan_download, name="scan_download"),
    path("my/data.<str:fmt>", access.my_data, name="my_data"),
    path("manage/exports/", exports.register_export, name="register_export"),
    path("manage/exports/<uuid:token>/", exports.export_job, name="export_job"),
    path(
        "manage/exports/<uuid:token>/download/",
        exports.export_job_download,
        name="export_job_download",
    ),
    path("reports/", reports.council_report, name="council_report"),
    path(
        "reports/report.<str:fmt>", reports.council_report_download, name="council_report_download"
    ),
]
