"""Staff members: matched by email address, at one or more schools of the board."""

from django.utils.translation import gettext as _

from consents.models import School, StaffMember, Subject

from .records import StaffRecord
from .results import Outcome, fields_apply


class StaffMixin:
    def import_staff(self, records: list[StaffRecord]) -> set[int]:
        seen = set()
        for record in records:
            schools = [
                self.resolve_school(record.source, value, fallback)
                for value, fallback in (record.schools or [("", "")])
            ]
            if None in schools:
                continue
            outcome = self.import_staff_member(record, schools)
            if outcome is not None:
                seen.add(outcome[0].id)
                self.result.outcomes.append(outcome[1])
        return seen

    def import_staff_member(self, record: StaffRecord, schools: list[School]):
        user = self.users.get(record.email)
        member = None
        if user is not None:
            subject = Subject.objects.filter(user=user).first()
            if subject is not None and subject.kind != Subject.Kind.STAFF:
                self.error(
                    record.source.problem(
                        "email", _("This address belongs to a student, not a staff member.")
                    )
                )
                return None
            if subject is not None:
                member = subject.staffmember
        created = member is None
        changes = []
        if created:
            user = user or self.user_for(
                record.email,
                record.first_name,
                " ".join(p for p in (record.prefix, record.last_name) if p),
            )
            member = StaffMember(board=schools[0].board, user=user)
        fields = {
            name: getattr(record, name)
            for name in ("first_name", "prefix", "last_name", "function")
        }
        changes += fields_apply(member, fields, describe=not created)
        if member.date_left is not None:
            changes.append(_("back at school (had left on %(date)s)") % {"date": member.date_left})
            member.date_left = None
        if created or changes:
            member.save()
        if created:
            self.created.update(school.id for school in schools)
        current = set() if created else set(member.schools.values_list("id", flat=True))
        for school in schools:
            if school.id not in current:
                member.schools.add(school)
                if not created:
                    changes.append(_("now also at %(school)s") % {"school": school})
        action = "created" if created else ("updated" if changes else "unchanged")
        return member, Outcome(
            "staff", record.label, action, changes, record.source.file, record.source.line
        )

    def mark_staff_left(self, seen: set[int], guard):
        through = StaffMember.schools.through
        gone = through.objects.filter(school_id__in=self.covered).exclude(staffmember_id__in=seen)
        members = StaffMember.objects.filter(
            id__in=gone.values("staffmember_id"), date_left__isnull=True
        ).prefetch_related("schools")
        for member in members:
            leaving = [s for s in member.schools.all() if s.id in self.covered]
            remaining = [s for s in member.schools.all() if s.id not in self.covered]
            member.schools.remove(*leaving)
            for school in leaving:
                guard.leave(school.id)
            if remaining:
                action, change = (
                    "updated",
                    _("no longer at %(schools)s") % {"schools": ", ".join(str(s) for s in leaving)},
                )
            else:
                action, change = "left", _("left on %(date)s") % {"date": self.today}
                Subject.objects.filter(pk=member.pk).update(date_left=self.today)
            email = member.user.email if member.user_id else ""
            self.result.outcomes.append(
                Outcome("staff", f"{member.name} <{email}>", action, [change])
            )
