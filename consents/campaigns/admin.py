"""Admin for campaigns and the outbox: progress per school, errors, opening by hand."""

from django.contrib import admin, messages
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consents import outbox
from consents.campaigns import services as campaigns
from consents.campaigns.progress import campaign_progress
from consents.dates import campaign_period, school_today
from consents.models import Campaign, CampaignStep, OutboxMessage, SchoolYear
from consents.privacy.access_log import AccessLoggedAdmin


class CampaignStepInline(admin.TabularInline):
    model = CampaignStep
    extra = 0
    can_delete = False
    fields = ("name", "due_on", "planned_at", "recipients", "unreachable", "sent", "failed")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("sent"))
    def sent(self, step):
        return step.messages.filter(state=OutboxMessage.State.SENT).count()

    @admin.display(description=_("failed"))
    def failed(self, step):
        return step.messages.filter(state=OutboxMessage.State.FAILED).count()


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("__str__", "board", "kind", "opens_on", "closes_on", "opened_on")
    list_filter = ("board", "kind", "school_year")
    list_select_related = ("board", "school_year", "text__purpose")
    raw_id_fields = ("text",)
    readonly_fields = ("opened_on", "opened_by", "progress")
    fieldsets = (
        (None, {"fields": ("board", "school_year", "kind", "text")}),
        (
            _("Schedule"),
            {"fields": ("opens_on", "closes_on", "reminder_days", "reminder_interval")},
        ),
        (_("Email"), {"fields": ("subject_nl", "message_nl", "subject_en", "message_en")}),
        (_("Progress"), {"fields": ("opened_on", "opened_by", "progress")}),
    )
    inlines = [CampaignStepInline]
    actions = ["open_now"]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        today = school_today()
        opens_on, closes_on = campaign_period(today)
        initial.setdefault("opens_on", opens_on)
        initial.setdefault("closes_on", closes_on)
        return initial

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.opened_on is not None:
            # An open campaign keeps its board, year and question.
            return (*self.readonly_fields, "board", "school_year", "kind", "text")
        return self.readonly_fields

    @admin.display(description=_("progress per school"))
    def progress(self, campaign):
        if campaign.pk is None:
            return "–"
        rows = campaign_progress(campaign)
        return render_to_string(
            "admin/consents/campaign/progress.html",
            {"rows": rows, "steps": campaign.steps.all()},
        )

    @admin.action(description=_("Open the selected campaigns now"))
    def open_now(self, request, queryset):
        opened = 0
        for campaign in queryset:
            try:
                campaigns.campaign_open(campaign=campaign, by=request.user)
            except campaigns.CampaignError as error:
                self.message_user(request, f"{campaign}: {error.message}", messages.ERROR)
            else:
                opened += 1
        if opened:
            self.message_user(
                request,
                ngettext(
                    "%(count)d campaign opened; the invitations are being sent.",
                    "%(count)d campaigns opened; the invitations are being sent.",
                    opened,
                )
                % {"count": opened},
                messages.SUCCESS,
            )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "school_year":
            kwargs["queryset"] = SchoolYear.objects.select_related("board")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(AccessLoggedAdmin):
    def people_of(self, obj):
        return list(obj.subjects.values_list("pk", flat=True)), []

    list_display = (
        "to",
        "campaign",
        "step_name",
        "template",
        "state",
        "attempts",
        "short_error",
        "sent_at",
    )
    list_filter = ("state", "template", "step__campaign")
    search_fields = ("recipient__email", "last_error")
    list_select_related = ("recipient", "step__campaign__school_year")
    readonly_fields = (
        "step",
        "recipient",
        "template",
        "people",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "enqueued_at",
        "claimed_at",
        "next_attempt_at",
        "sent_at",
    )
    exclude = ("subjects",)
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("to"), ordering="recipient__email")
    def to(self, message):
        if message.recipient is None:  # a takedown notice: whoever is staff when it is sent
            return _("the school's communications staff")
        return message.recipient.email

    @admin.display(description=_("campaign"), ordering="step__campaign")
    def campaign(self, message):
        return message.step.campaign if message.step else "–"

    @admin.display(description=_("step"), ordering="step__name")
    def step_name(self, message):
        return message.step.name if message.step else "–"

    @admin.display(description=_("last error"))
    def short_error(self, message):
        return message.last_error[:80]

    @admin.display(description=_("about"))
    def people(self, message):
        return ", ".join(person.name for person in message.subjects.all())

    @admin.action(description=_("Send the selected failed messages again"))
    def send_again(self, request, queryset):
        ids = list(queryset.filter(state=OutboxMessage.State.FAILED).values_list("pk", flat=True))
        with transaction.atomic():
            OutboxMessage.objects.filter(pk__in=ids).update(
                state=OutboxMessage.State.QUEUED, attempts=0, enqueued_at=None
            )
            transaction.on_commit(lambda: outbox.outbox_publish(ids))  # broker-safe
        self.message_user(
            request,
            ngettext(
                "%(count)d message queued again.", "%(count)d messages queued again.", len(ids)
            )
            % {"count": len(ids)},
            messages.SUCCESS,
        )
