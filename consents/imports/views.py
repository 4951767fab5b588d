"""Administrators upload the school administration system's export: dry run, then import."""

import io
import zipfile

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consents.imports import records_import
from consents.imports.columns import field_label
from consents.imports.forms import ImportConfirmForm, ImportForm
from consents.imports.mapping import ImportColumnForm, columns_mapped
from consents.models import ImportColumn, ImportRun, Role
from consents.roles import role_required

SHOWN_ROWS = 1000
EXAMPLES_DIR = settings.BASE_DIR / "docs" / "import"
EXAMPLES = {
    "leerlingen.csv": "text/csv",
    "leerlingen.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "personeel.csv": "text/csv",
    "oneroster.zip": "application/zip",
}


def _run(run: ImportRun, schools, *, data: bytes, dry_run: bool, confirm=None):
    mapped = columns_mapped([run.school] if run.school_id else schools)
    return records_import(
        mapped=mapped,
        format=run.format,
        filename=run.filename,
        data=data,
        allowed_schools=schools,
        school=run.school,
        full=run.full,
        dry_run=dry_run,
        confirmed_leavers=confirm.confirmed_leavers if confirm else None,
        apply_held=bool(confirm and confirm.cleaned_data["apply_held"]),
    )


def _result_page(request, run, result, confirm=None):
    return render(
        request,
        "consents/imports/result.html",
        {
            "run": run,
            "result": result,
            "shown_rows": SHOWN_ROWS,
            "confirm": confirm or ImportConfirmForm(initial={"leaving": result.leaving}),
        },
    )


@role_required(Role.Kind.ADMINISTRATOR)
def import_start(request):
    form = ImportForm(request.POST or None, request.FILES or None, schools=request.schools)
    if request.method == "POST" and form.is_valid():
        filename, data = form.upload()
        run = ImportRun(
            uploaded_by=request.user,
            school=form.cleaned_data["school"],
            format=form.cleaned_data["format"],
            full=form.cleaned_data["full"],
            filename=filename[:200],
            status=ImportRun.Status.CHECKED,
        )
        result = _run(run, request.schools, data=data, dry_run=True)
        run.summary = result.summary()
        if not result.ok:
            run.status = ImportRun.Status.FAILED
        try:
            # Personal data of minors: stored only once checked, for the import to read, and
            # never without the row through which retention finds it.
            if result.ok:
                run.file.save(f"{run.token}.upload", ContentFile(data), save=False)
            run.save()
        except BaseException:
            run.file.delete(save=False)
            raise
        return _result_page(request, run, result)
    column_form = ImportColumnForm(
        schools=request.schools, initial={"label": request.GET.get("column", "")[:200]}
    )
    return _start_page(request, form, column_form)


def _start_page(request, form, column_form):
    runs = ImportRun.objects.filter(uploaded_by=request.user).select_related("school")[:10]
    columns = [
        (column, field_label(column.field))
        for column in ImportColumn.objects.filter(school__in=request.schools).select_related(
            "school"
        )
    ]
    return render(
        request,
        "consents/imports/start.html",
        {
            "form": form,
            "column_form": column_form,
            "columns": columns,
            "runs": runs,
            "example_files": EXAMPLES,
        },
    )


@require_POST
@role_required(Role.Kind.ADMINISTRATOR)
def import_column_add(request):
    """Remember what a column of the school's export holds, for this and later imports."""
    column_form = ImportColumnForm(request.POST, schools=request.schools)
    if not column_form.is_valid():
        return _start_page(request, ImportForm(schools=request.schools), column_form)
    column = column_form.save(commit=False)
    column.created_by = request.user
    column.save()
    messages.success(
        request,
        _("From now on “%(label)s” in the exports of %(school)s is read as the %(field)s.")
        % {"label": column.label, "school": column.school, "field": column_form.field_label},
    )
    return redirect("import_start")


@require_POST
@role_required(Role.Kind.ADMINISTRATOR)
def import_column_delete(request, pk):
    column = get_object_or_404(ImportColumn, pk=pk, school__in=request.schools)
    column.delete()
    messages.info(request, _("“%(label)s” is no longer mapped.") % {"label": column.label})
    return redirect("import_start")


@role_required(Role.Kind.ADMINISTRATOR)
def import_example(request, name):
    """The documented example files of docs/import/, to start from."""
    if name not in EXAMPLES:
        raise Http404
    if name == "oneroster.zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted((EXAMPLES_DIR / "oneroster").glob("*.csv")):
                archive.write(path, path.name)
        content = buffer.getvalue()
    else:
        content = (EXAMPLES_DIR / name).read_bytes()
    response = HttpResponse(content, content_type=EXAMPLES[name])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@role_required(Role.Kind.ADMINISTRATOR)
def import_apply(request, token):
    run = get_object_or_404(
        ImportRun, token=token, uploaded_by=request.user, status=ImportRun.Status.CHECKED
    )
    if run.school_id and not request.schools.filter(pk=run.school_id).exists():
        raise PermissionDenied  # the role was taken away since the dry run
    confirm = ImportConfirmForm(request.POST)
    if not confirm.is_valid():
        return redirect("import_start")
    try:
        with run.file.open("rb") as handle:
            data = handle.read()
        result = _run(run, request.schools, data=data, dry_run=False, confirm=confirm)
    except BaseException:  # also gunicorn's SystemExit when it stops a worker that overran
        run.file.delete(save=False)  # not kept for a retry: the upload can be checked again
        run.status = ImportRun.Status.FAILED
        run.save(update_fields=["file", "status"])
        raise
    if result.confirmation_missing:
        # Nothing written; the run stays checked so that the administrator can confirm.
        messages.error(
            request,
            _("Nothing was imported: confirm that %(count)s people are marked as left.")
            % {"count": result.leaving},
        )
        return _result_page(request, run, result)
    run.summary = result.summary()
    run.status = ImportRun.Status.IMPORTED if result.applied else ImportRun.Status.FAILED
    run.imported_at = timezone.now()
    run.file.delete(save=False)  # personal data: keep only the summary
    run.save()
    if result.applied:
        messages.success(request, _("The file has been imported."))
    else:
        messages.error(request, _("Nothing was imported: the file has errors now."))
    return _result_page(request, run, result)


@require_POST
@role_required(Role.Kind.ADMINISTRATOR)
def import_cancel(request, token):
    run = get_object_or_404(
        ImportRun, token=token, uploaded_by=request.user, status=ImportRun.Status.CHECKED
    )
    run.file.delete(save=False)
    run.status = ImportRun.Status.CANCELLED
    run.save(update_fields=["file", "status"])
    messages.info(request, _("The import was cancelled; the file has been removed."))
    return redirect("import_start")
