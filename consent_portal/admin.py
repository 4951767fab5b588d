from functools import wraps

from django.contrib import admin
from django.shortcuts import render


class PortalAdminSite(admin.AdminSite):
    """Django's admin, except that a logged-in user who may not use it is told so (403).

    Django sends such a user to the admin's login page; ours is allauth's (consent_portal/
    urls.py), which sends a logged-in user straight back to `next`: the browser would loop
    between the two.
    """

    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        @wraps(view)
        def inner(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                return render(request, "errors/no_admin_access.html", status=403)
            return guarded(request, *args, **kwargs)

        return inner
