"""A student's guardians as the file lists them: added, updated, unlinked (never deleted)."""

from django.utils.translation import gettext as _

from consents.models import Guardian, Guardianship, Student

from .records import StudentRecord


def same_name(a: str, b: str) -> bool:
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


class GuardiansMixin:
    def sync_guardians(self, student: Student, record: StudentRecord, created: bool) -> list:
        """Link the student to exactly the guardians of `record`; what changed, in words."""
        changes = []
        links = [] if created else self.guardianships.get(student.id, [])
        current = {link.guardian_id: link.guardian for link in links}
        wanted = {}
        for entry in record.guardians:
            guardian = self.guardian_existing(entry, record, current, wanted, changes)
            if guardian is None:
                last_name = " ".join(p for p in (entry.prefix, entry.last_name) if p)
                user = self.user_for(entry.email, entry.first_name, last_name)
                guardian = Guardian.objects.create(
                    user=user,
                    first_name=entry.first_name,
                    prefix=entry.prefix,
                    last_name=entry.last_name,
                )
                self.result.guardians_created += 1
            else:
                changes.extend(self.update_guardian(guardian, entry, record))
            wanted[guardian.id] = guardian
        changes += self.guardianships_apply(student, record, current, wanted, created=created)
        return changes

    def guardian_existing(self, entry, record, current, wanted, changes) -> Guardian | None:
        """The guardian `entry` names: by address, or by name when their address changed."""
        user = self.users.get(entry.email)
        if user is not None:
            return Guardian.objects.filter(user=user).first()
        if not entry.names_known:
            return None
        # Same name, new address: the guardian's email changed, not the guardian.
        listed = {e.email for e in record.guardians}
        guardian = next(
            (
                g
                for g in current.values()
                if g.id not in wanted
                and same_name(g.first_name, entry.first_name)
                and same_name(g.last_name, entry.last_name)
                and g.user.email not in listed
            ),
            None,
        )
        if guardian is not None:
            old = guardian.user.email
            guardian.user.email = entry.email
            guardian.user.save(update_fields=["email"])
            self.users.pop(old, None)
            self.users[entry.email] = guardian.user
            changes.append(
                _("guardian %(name)s: email %(old)s → %(new)s")
                % {"name": guardian.name, "old": old, "new": entry.email}
            )
        return guardian

    def guardianships_apply(self, student, record, current: dict, wanted: dict, *, created):
        changes = []
        for guardian_id, guardian in wanted.items():
            if guardian_id not in current:
                Guardianship.objects.create(guardian=guardian, student=student)
                if not created:
                    changes.append(
                        _("guardian added: %(name)s <%(email)s>")
                        % {"name": guardian.name, "email": guardian.user.email}
                    )
        removed = [g for g_id, g in current.items() if g_id not in wanted]
        if removed:
            Guardianship.objects.filter(
                student=student, guardian_id__in=[g.id for g in removed]
            ).delete()
            for guardian in removed:
                changes.append(_("guardian removed: %(name)s") % {"name": guardian.name})
                # A dropped guardian can no longer decide for the child: said out loud.
                self.result.warnings.append(
                    record.source.problem(
                        "",
                        _(
                            "%(guardian)s <%(email)s> is no longer listed as a guardian of "
                            "%(student)s and is unlinked; their earlier decisions stay in "
                            "the log."
                        )
                        % {
                            "guardian": guardian.name,
                            "email": guardian.user.email,
                            "student": record.label,
                        },
                    )
                )
        return changes

    def update_guardian(self, guardian: Guardian, entry, record: StudentRecord) -> list:
        if not entry.names_known:
            return []
        names = {
            "first_name": entry.first_name,
            "prefix": entry.prefix,
            "last_name": entry.last_name,
        }
        differs = [n for n, v in names.items() if getattr(guardian, n) != v]
        if not differs:
            return []
        first_line = self.updated_guardians.get(guardian.id)
        if first_line is not None:
            self.result.warnings.append(
                record.source.problem(
                    f"{entry.slot}_last_name",
                    _(
                        "Guardian %(email)s has another name on line %(line)s; "
                        "the name on that line is kept."
                    )
                    % {"email": entry.email, "line": first_line},
                )
            )
            return []
        self.updated_guardians[guardian.id] = record.source.line
        old_name = guardian.name
        for name, value in names.items():
            setattr(guardian, name, value)
        guardian.save(update_fields=list(names))
        return [_("guardian name: %(old)s → %(new)s") % {"old": old_name, "new": guardian.name}]
