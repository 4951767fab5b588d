from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from .decisions.services import consent_text_publish
from .models import (
    AccessLogEntry,
    Board,
    ConsentDecision,
    ConsentStatus,
    ConsentText,
    DecisionEvidence,
    Group,
    Guardian,
    Guardianship,
    MediaType,
    Publication,
    PublicationPerson,
    Purpose,
    Role,
    School,
    SchoolYear,
    StaffMember,
    Student,
    TakedownTask,
)
from .privacy.access_log import AccessLoggedAdmin, people_of_user


class ReadOnlyAdmin(admin.ModelAdmin):
    """For the append-only log and derived tables: visible, never edited from the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ("name", "contact_email", "at_sixteen", "unanswered_year", "retention_months")
    search_fields = ("name",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("name", "brin", "board")
    list_filter = ("board",)
    search_fields = ("name", "brin")


@admin.register(SchoolYear)
class SchoolYearAdmin(admin.ModelAdmin):
    list_display = ("__str__", "board", "start_date", "end_date")
    list_filter = ("board",)


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("name", "school", "school_year")
    list_filter = ("school", "school_year")
    search_fields = ("name",)


@admin.register(Role)
class RoleAdmin(AccessLoggedAdmin):
    list_display = ("user", "kind", "board", "school")
    list_filter = ("kind", "board", "school")
    search_fields = ("user__email", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)

    def people_of(self, obj):
        return people_of_user(obj.user)


class GuardianshipInline(admin.TabularInline):
    model = Guardianship
    extra = 0
    autocomplete_fields = ("guardian", "student")


@admin.register(Student)
class StudentAdmin(AccessLoggedAdmin):
    list_display = ("name", "student_number", "school", "group", "date_of_birth", "date_left")
    list_filter = ("school", "group__school_year", "date_left")
    search_fields = ("first_name", "last_name", "student_number")
    readonly_fields = ("key",)
    raw_id_fields = ("group", "user")
    inlines = [GuardianshipInline]

    def people_of(self, obj):
        return [obj.pk], list(obj.guardianships.values_list("guardian_id", flat=True))


@admin.register(StaffMember)
class StaffMemberAdmin(AccessLoggedAdmin):
    list_display = ("name", "function", "date_left")
    list_filter = ("schools", "date_left")
    search_fields = ("first_name", "last_name", "user__email")
    readonly_fields = ("key",)
    raw_id_fields = ("user",)

    def people_of(self, obj):
        return [obj.pk], []


@admin.register(Guardian)
class GuardianAdmin(AccessLoggedAdmin):
    list_display = ("name", "user")
    search_fields = ("first_name", "last_name", "user__email")
    readonly_fields = ("key",)
    raw_id_fields = ("user",)
    inlines = [GuardianshipInline]

    def people_of(self, obj):
        return list(obj.guardianships.values_list("student_id", flat=True)), [obj.pk]


@admin.register(Purpose)
class PurposeAdmin(admin.ModelAdmin):
    list_display = ("name_nl", "name_en", "code", "board", "order", "active")
    list_filter = ("board", "active")
    search_fields = ("code", "name_nl", "name_en")


@admin.register(MediaType)
class MediaTypeAdmin(admin.ModelAdmin):
    list_display = ("name_nl", "name_en", "code", "order")


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    """A text is never edited: 'add' publishes a new version for the purpose (rule 8)."""

    list_display = ("purpose", "version", "change", "created_at", "short_hash")
    list_filter = ("purpose__board", "purpose", "change")
    search_fields = ("body_nl", "body_en")
    fields = ("purpose", "change", "body_nl", "body_en", "version", "sha256", "created_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("version", "sha256", "created_at")
        return self.fields

    def has_change_permission(self, request, obj=None):
        # Viewing is allowed; saving is refused by the model. Opening shows it read-only.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Through the service, so that a material change opens a campaign (rule 8).
        text = consent_text_publish(
            purpose=obj.purpose,
            body_nl=obj.body_nl,
            body_en=obj.body_en,
            change=obj.change,
            created_by=request.user,
        )
        obj.pk, obj.version, obj.sha256, obj.created_at = (
            text.pk,
            text.version,
            text.sha256,
            text.created_at,
        )

    @admin.display(description=_("SHA-256"))
    def short_hash(self, obj):
        return obj.sha256[:12]


class EvidenceInline(admin.StackedInline):
    model = DecisionEvidence
    can_delete = False
    readonly_fields = ("ip_address", "user_agent", "note", "guardian_name", "scan")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ConsentDecision)
class ConsentDecisionAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = (
        "seq",
        "subject",
        "purpose",
        "media_type",
        "value",
        "capacity",
        "method",
        "decided_at",
    )
    list_filter = ("value", "capacity", "method", "purpose", "media_type", "school_year")
    search_fields = ("subject__first_name", "subject__last_name", "decided_by__email")
    date_hierarchy = "decided_at"
    list_select_related = ("subject", "purpose", "media_type")
    inlines = [EvidenceInline]


@admin.register(ConsentStatus)
class ConsentStatusAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ("subject", "purpose", "media_type", "guardian", "decision")
    list_filter = ("purpose", "media_type")
    search_fields = ("subject__first_name", "subject__last_name")
    list_select_related = ("subject", "purpose", "media_type", "guardian", "decision")


# --- Publications and takedown tasks: recorded by communications staff, read here -----------


class PublicationPersonInline(admin.TabularInline):
    model = PublicationPerson
    fields = ("subject", "group_name", "state", "explanation")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Publication)
class PublicationAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ("title", "school", "purpose", "media_type", "published_on", "flagged")
    list_filter = ("flagged", "school", "purpose", "media_type")
    list_select_related = ("school", "purpose", "media_type")
    search_fields = ("title", "url")
    inlines = [PublicationPersonInline]
    # Django 6 assumes https for an address typed without a scheme; so do we, already.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def people_of(self, obj):
        return list(obj.entries.values_list("subject_id", flat=True)), []


@admin.register(TakedownTask)
class TakedownTaskAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    list_display = (
        "publication",
        "subject",
        "origin",
        "opened_at",
        "closed_at",
        "outcome",
        "closed_by",
    )
    list_filter = ("origin", "outcome", "publication__school")
    list_select_related = ("publication", "subject", "closed_by")


from .campaigns import admin as campaign_admin  # noqa: E402, F401  (campaigns and the outbox)
from .privacy import account_admin  # noqa: E402, F401  (users, addresses, authenticators)

# --- Who looked at whose data (issue 8): read-only, for the board's administrators ---------


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "user_email", "action", "people_count", "detail", "ip_address")
    list_filter = ("action", ("at", admin.DateFieldListFilter))
    search_fields = (
        "user_email",
        "detail",
        "subjects__first_name",
        "subjects__last_name",
        "subjects__student__student_number",
        "guardians__last_name",
    )
    date_hierarchy = "at"
    fields = (
        "at",
        "user",
        "user_email",
        "action",
        "detail",
        "path",
        "ip_address",
        "people_count",
        "people",
        "guardian_names",
    )
    readonly_fields = fields

    @admin.display(description=_("people"))
    def people(self, obj):
        return ", ".join(s.name for s in obj.subjects.all()) or "–"

    @admin.display(description=_("guardians"))
    def guardian_names(self, obj):
        return ", ".join(g.name for g in obj.guardians.all()) or "–"
