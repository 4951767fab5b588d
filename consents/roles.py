"""Staff roles and least privilege (rule 11): which roles a user holds, at which schools, and
the view decorator that limits a page to them.

Roles are read once per request (`roles_of`); every other question about roles is answered
from that.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from consents.models import Role, School


@dataclass(frozen=True)
class HeldRole:
    kind: str
    board_id: int
    school_id: int | None  # None: the whole board


def roles_of(user) -> list[HeldRole]:
    """The roles `user` holds, read once and kept on the user object.

    Every page asks several times (the second-factor check, the page's access check, the
    menu); a request's user object lives for that request only, so a role granted or taken
    away counts from the next request on.
    """
    if not user.is_authenticated:
        return []
    held = getattr(user, "_held_roles", None)
    if held is None:
        rows = Role.objects.filter(user=user).values_list("kind", "board_id", "school_id")
        held = user._held_roles = [HeldRole(*row) for row in rows]
    return held


def school_ids_for(user, *kinds: Role.Kind) -> list[int]:
    """The ids of the schools where `user` holds one of `kinds`: assigned directly or through
    the board (all schools for a superuser). A query only for roles held board-wide."""
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        return list(School.objects.order_by("pk").values_list("pk", flat=True))
    held = [role for role in roles_of(user) if role.kind in kinds]
    ids = {role.school_id for role in held if role.school_id is not None}
    boards = {role.board_id for role in held if role.school_id is None}
    if boards:
        ids.update(
            School.objects.filter(board_id__in=boards).order_by().values_list("pk", flat=True)
        )
    return sorted(ids)


def holds_role(user, *kinds: str) -> bool:
    """Whether `user` holds one of `kinds` (or is a superuser): for the menu. The pages
    themselves check access with `role_required`."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or any(role.kind in kinds for role in roles_of(user))


def has_role(user, kind: Role.Kind, *, board_id: int, school_ids: set[int]) -> bool:
    """Whether `user` holds `kind` at one of `school_ids`, or at their whole board."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(
        role.kind == kind
        and (role.school_id in school_ids or (role.school_id is None and role.board_id == board_id))
        for role in roles_of(user)
    )


def role_required(*kinds):
    """Only users holding one of `kinds` at some school reach the view (others get 403).

    The view receives `request.schools`: the schools it may show. Objects outside them must
    be looked up through that queryset, so that they answer 404.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            school_ids = school_ids_for(request.user, *kinds)
            if not school_ids:
                raise PermissionDenied
            request.schools = School.objects.filter(pk__in=school_ids)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
