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
        return response
