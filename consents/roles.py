from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from consents.models import School
from consents.rules import school_ids_for


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
