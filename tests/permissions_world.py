"""The cast and objects the role matrix (tests/permissions_matrix.py) is checked against.

Two schools of one board: school A is "own" (every staff role below works there or for the
whole board, and the family lives there), school B is "other". Every kind of object a URL
can point to exists once in each school.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from consents.models import ConsentReceipt, MediaType, Publication, Role, TakedownTask
from consents.services import decision_record

from . import factories as f


@dataclass
class World:
    users: dict = field(default_factory=dict)  # role name -> user (no "anonymous")
    objects: dict = field(default_factory=dict)  # (kind, variant) -> object
    own_subject: dict = field(default_factory=dict)  # role name -> the person it decides for

    def subject(self, role, variant):
        """The person a "my consent" URL points to: for "own", the one the role decides for
        (or, for roles that decide for no one, a student of their own school)."""
        if variant == "own":
            return self.own_subject.get(role, self.objects[("student", "own")])
        return self.objects[("student", "other")]

    def receipt(self, role, variant):
        if variant == "own":
            return self.objects.get(("receipt", role), self.objects[("receipt", "guardian")])
        return self.objects[("receipt", "other")]


def receipt_issued(user, subject, purpose, media_type) -> ConsentReceipt:
    decision = decision_record(
        actor=user, subject=subject, purpose=purpose, media_type=media_type, value="granted"
    )
    receipt = ConsentReceipt.objects.create(subject=subject, issued_to=user)
    receipt.decisions.set([decision])
    return receipt


def world_build() -> World:
    w = World()
    board = f.BoardFactory(name="Matrix board")
    schools = {"own": f.SchoolFactory(board=board), "other": f.SchoolFactory(board=board)}
    website = f.PurposeFactory(board=board, code="website")
    photo = MediaType.objects.get(code="photo")
    now = timezone.now()

    for variant, school in schools.items():
        w.objects[("school", variant)] = school
        child = f.StudentFactory(
            school=school,
            group=f.GroupFactory(school=school),
            date_of_birth=dt.date.today().replace(year=2015),
        )
        guardian = f.GuardianFactory(students=[child])
        w.objects[("student", variant)] = child
        w.objects[("guardian", variant)] = guardian
        decision = decision_record(
            actor=guardian.user, subject=child, purpose=website, media_type=photo, value="granted"
        )
        receipt = ConsentReceipt.objects.create(subject=child, issued_to=guardian.user)
        receipt.decisions.set([decision])
        w.objects[("receipt", "guardian" if variant == "own" else "other")] = receipt
        author = f.RoleFactory(school=school, kind=Role.Kind.COMMUNICATIONS).user
        publication = Publication.objects.create(
            school=school,
            title=f"Sports day {variant}",
            purpose=website,
            media_type=photo,
            published_on=dt.date.today(),
            recorded_by=author,
            recorded_at=now,
            flagged=True,
            override_reason="Test",
        )
        publication.entries.create(subject=child, state="allowed")
        w.objects[("publication", variant)] = publication
        w.objects[("takedown", variant)] = TakedownTask.objects.create(
            publication=publication, subject=child, decision=decision, opened_at=now
        )
        if variant == "own":
            w.users["guardian"] = guardian.user
            w.own_subject["guardian"] = child

    own = schools["own"]
    student = f.StudentFactory(school=own, date_of_birth=dt.date(2008, 5, 1), user=f.UserFactory())
    w.users["student"] = student.user
    w.own_subject["student"] = student
    w.objects[("receipt", "student")] = receipt_issued(student.user, student, website, photo)
    staff = f.StaffMemberFactory(board=board, schools=[own])
    w.users["staff"] = staff.user
    w.own_subject["staff"] = staff
    w.objects[("receipt", "staff")] = receipt_issued(staff.user, staff, website, photo)
    w.users["communications"] = f.RoleFactory(school=own, kind=Role.Kind.COMMUNICATIONS).user
    w.users["administrator"] = f.RoleFactory(school=own, kind=Role.Kind.ADMINISTRATOR).user
    w.users["board_administrator"] = f.RoleFactory(
        board=board, school=None, kind=Role.Kind.ADMINISTRATOR
    ).user
    w.users["council"] = f.RoleFactory(board=board, school=None, kind=Role.Kind.COUNCIL).user
    superuser = f.UserFactory(is_staff=True, is_superuser=True)
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(superuser, generate_totp_secret())
    w.users["superuser"] = superuser
    return w
