"""The photo library's pages (issue 23): communications staff and administrators of the
item's school only; everyone else gets 403, an item of another school 404.

Files are never under a public URL: the thumbnail, a video's small preview and the file are
answered here, the file only after the verdict for the chosen channel (or a reason) and an
access-log entry.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consents.communications.views import STAFF_ROLES, school_from
from consents.dates import school_today
from consents.library import services
from consents.library.cards import cards_html
from consents.library.forms import (
    ChannelForm,
    DeleteForm,
    GroupPickForm,
    LibraryFilterForm,
    PeopleForm,
    PublishForm,
    UploadForm,
    channels_of,
)
from consents.library.links import LinkForm, allow_opening, library_link_register, link_open
from consents.library.ranges import ranged_response
from consents.library.retention import library_item_delete, retention_candidates
from consents.library.uploads import library_item_upload
from consents.library.verdicts import item_statuses
from consents.library.videos import tools
from consents.library.window import filtered_page
from consents.models import LibraryItem, Role
from consents.paging import SlicePage
from consents.privacy.access_log import Action, staff_access_record
from consents.roles import has_role, role_required

PAGE_SIZE = 48


def _item(request, pk) -> LibraryItem:
    return get_object_or_404(
        LibraryItem.objects.for_schools(request.schools).select_related(
            "school__board", "media_type"
        ),
        pk=pk,
    )


def _logged(request, statuses, detail: str) -> None:
    people = [pk for status in statuses for pk in status.people_ids]
    staff_access_record(request, Action.LIBRARY, subjects=people, detail=detail)


def _without_page(query) -> str:
    """The list's filters for its page links, which add the page (or the place) themselves."""
    query = query.copy()
    query.pop("page", None)
    query.pop("after", None)
    return query.urlencode()


@role_required(*STAFF_ROLES)
def library_list(request):
    school = school_from(request)
    channels = list(channels_of(school))
    filters = LibraryFilterForm(request.GET, channels=channels)
    purpose = attention = None
    if filters.is_valid():
        purpose, attention = filters.cleaned_data["purpose"], filters.cleaned_data["attention"]
    today = school_today()
    if purpose or attention:
        # Chosen by the database from the stored verdicts (consents/library/filters.py), among
        # the next 2,000 items (window.py): the work does not grow with the library.
        page = filtered_page(
            school,
            request.GET.get("after"),
            purpose=purpose,
            attention=attention,
            purposes=channels,
            on=today,
            per_page=PAGE_SIZE,
        )
    else:
        # Paged without a count: counting 50,000 items took 7 ms of the page's 50 ms budget.
        chosen = LibraryItem.objects.filter(school=school).select_related("media_type")
        page = SlicePage(chosen, request.GET.get("page"), PAGE_SIZE)
    # The list shows states, not explanations: combined from the stored verdicts.
    page.object_list = item_statuses(
        list(page.object_list),
        purposes=channels,
        on=today,
        detail=False,
        read_stored=True,
        queued=getattr(page, "queued", None),
    )
    _logged(request, page.object_list, f"library of school {school.pk}")
    return render(
        request,
        "consents/library/list.html",
        {
            "school": school,
            "filters": filters,
            "page": page,
            "cards": cards_html(page.object_list, channels),
            "filtered": bool(purpose or attention),
            "channels": channels,
            "query": _without_page(request.GET),
            "may_delete": has_role(
                request.user,
                Role.Kind.ADMINISTRATOR,
                board_id=school.board_id,
                school_ids={school.pk},
            ),
            "section": "library",
        },
    )


@role_required(*STAFF_ROLES)
def library_upload(request):
    school = school_from(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = library_item_upload(
                user=request.user,
                school=school,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if item.is_video:
                messages.success(request, _("The video is in the library. Now mark who is on it."))
            else:
                messages.success(request, _("The photo is in the library. Now mark who is on it."))
            return redirect("library_item", pk=item.pk)
    return render(
        request,
        "consents/library/upload.html",
        {
            "form": form,
            "school": school,
            "section": "library",
            "videos_accepted": tools() is not None,
            "max_video_bytes": settings.LIBRARY_MAX_VIDEO_BYTES,
            "max_video_minutes": settings.LIBRARY_MAX_VIDEO_SECONDS / 60,
        },
        status=400 if form.errors else 200,
    )


@role_required(*STAFF_ROLES)
def library_link(request):
    """Register an item kept elsewhere (`consents/library/links.py`)."""
    school = school_from(request)
    form = LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = library_link_register(user=request.user, school=school, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The link is in the library. Now mark who is on it."))
            return redirect("library_item", pk=item.pk)
    return render(
        request,
        "consents/library/link.html",
        {"form": form, "school": school, "section": "library"},
        status=400 if form.errors else 200,
    )


def _detail(request, item, *, people_form=None, channel_form=None, publish_form=None, status=200):
    school = item.school
    picker = GroupPickForm(request.GET, school=school)
    group = picker.cleaned_data["group"] if picker.is_valid() else None
    item_status = item_statuses([item], purposes=list(channels_of(school)), on=school_today())[0]
    _logged(request, [item_status], f"library item {item.pk}")
    people_form = people_form or PeopleForm(
        school=school,
        group=group,
        erased=bool(item.someone_erased_at),
        initial={"others_visible": item.others_visible},
    )
    response = render(
        request,
        "consents/library/item.html",
        {
            "item": item,
            "status": item_status,
            "picker": picker,
            "people_form": people_form,
            "channel_form": channel_form or ChannelForm(school=school),
            "publish_form": publish_form
            or PublishForm(school=school, initial={"published_on": school_today()}),
            "publications": item.publications.select_related("purpose").order_by("-pk"),
            "section": "library",
        },
        status=status,
    )
    return allow_opening(response, item)


@role_required(*STAFF_ROLES)
def library_item(request, pk):
    return _detail(request, _item(request, pk))


@role_required(*STAFF_ROLES)
@require_POST
def library_item_people(request, pk):
    item = _item(request, pk)
    form = PeopleForm(request.POST, school=item.school, erased=bool(item.someone_erased_at))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.item_people_set(
                user=request.user,
                item=item,
                add=list(data["add"]),
                names=data["names"],
                remove=list(data["remove"]),
                others_visible=data["others_visible"],
                nobody=data["nobody"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved who is on it."))
            return redirect("library_item", pk=item.pk)
    return _detail(request, item, people_form=form, status=400)


@role_required(*STAFF_ROLES)
@require_POST
def library_item_file(request, pk):
    """The file itself, for a channel: checked against the verdicts, logged, recorded. For
    a link item, the same, then a redirect to the link."""
    item = _item(request, pk)
    form = ChannelForm(request.POST, school=item.school)
    if form.is_valid():
        try:
            download = services.item_download(
                user=request.user,
                item=item,
                purpose=form.cleaned_data["purpose"],
                override_reason=form.cleaned_data["override_reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            staff_access_record(
                request,
                Action.LIBRARY,
                subjects=item.people.all(),
                detail=f"library item {item.pk} {'link opened' if item.link else 'file'} "
                f"for purpose {download.purpose_id}",
                always=True,
            )
            if item.link:
                return link_open(item)
            extension = item.file.name.rsplit(".", 1)[-1]
            return FileResponse(
                item.file.open("rb"),
                as_attachment=True,
                filename=f"library-{item.pk}.{extension}",
                content_type=item.content_type,
            )
    return _detail(request, item, channel_form=form, status=400)


def _private_file(request, field, content_type: str) -> HttpResponse:
    """A stored file the worker made (thumbnail, preview), never kept by the browser. A video
    player asks for byte ranges: Safari plays nothing without them, other browsers cannot
    seek (`ranges.ranged_response`)."""
    if not field or not field.storage.exists(field.name):
        raise Http404
    response = ranged_response(request, field, content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*STAFF_ROLES)
def library_item_thumbnail(request, pk):
    """The small image the list and the item page show (their access is logged there)."""
    return _private_file(request, _item(request, pk).thumbnail, "image/jpeg")


@role_required(*STAFF_ROLES)
def library_item_preview(request, pk):
    """A video's small copy for the item page's player (its access is logged there)."""
    return _private_file(request, _item(request, pk).preview, "video/mp4")


@role_required(*STAFF_ROLES)
@require_POST
def library_item_publish(request, pk):
    item = _item(request, pk)
    form = PublishForm(request.POST, school=item.school)
    if form.is_valid():
        data = form.cleaned_data
        try:
            publication = services.item_publish(
                user=request.user,
                item=item,
                purpose=data["purpose"],
                published_on=data["published_on"],
                url=data["url"],
                override_reason=data["override_reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The publication has been recorded."))
            return redirect("communications_publication", pk=publication.pk)
    return _detail(request, item, publish_form=form, status=400)


@role_required(Role.Kind.ADMINISTRATOR)
def library_retention(request):
    """The items to review for deletion: too old, or showing only people who left."""
    school = school_from(request)
    items = retention_candidates(school, today=school_today()).select_related("media_type")
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "consents/library/retention.html",
        {"school": school, "page": page, "form": DeleteForm(), "section": "library"},
    )


@role_required(Role.Kind.ADMINISTRATOR)
@require_POST
def library_item_delete_view(request, pk):
    item = _item(request, pk)
    form = DeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["confirm"]))
        return redirect("library_item", pk=item.pk)
    school, title, item_pk = item.school, item.title, item.pk
    people = library_item_delete(item)
    staff_access_record(
        request,
        Action.LIBRARY,
        subjects=people,
        detail=f"library item {item_pk} deleted",
        always=True,
    )
    messages.success(request, _("“%(title)s” has been deleted.") % {"title": title})
    return redirect(reverse("library_retention") + f"?school={school.pk}")
