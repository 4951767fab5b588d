from django.conf import settings
from django.core.exceptions import BadRequest


class PrivacyHeadersMiddleware:
    """No cache may keep a page of the portal, and browsers get no features it never uses.

    Pages of a logged-in user hold personal data, and so do some pages before the login
    (the code page shows the address the code went to): every response that reaches this
    middleware is a page of the application (whitenoise answers for static files before it),
    so every one is marked no-store.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["Cache-Control"] = "no-store, private"
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        # The endpoint the CSP's report-to directive names.
        response.setdefault("Reporting-Endpoints", f'csp-endpoint="{settings.CSP_REPORT_PATH}"')
        return response


class RejectNullCharactersMiddleware:
    """A NUL character in a query string or form value answers 400 before any view runs.

    No form of the portal can send one, and PostgreSQL refuses it in a text value, which
    would otherwise surface as a server error wherever a view queries with the value.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sources = [request.GET, request.POST] if request.method == "POST" else [request.GET]
        for values in sources:
            for key, items in values.lists():
                if "\x00" in key or any("\x00" in item for item in items):
                    raise BadRequest("NUL character in the request")
        return self.get_response(request)
