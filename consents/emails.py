"""Every email is one template set: `emails/<name>/subject.txt`, `body.txt` and `body.html`."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation


def render_email(name: str, context: dict, *, language: str | None = None) -> tuple[str, str, str]:
    """Render (subject, text, html) of email `name` in `language` (default: the site's).

    The subject and the text body are plain text, rendered without HTML escaping (a school
    called "Bos & Lommer" is not "Bos &amp; Lommer" there); the subject is one line."""
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_plain_text(f"emails/{name}/subject.txt", context)
        text = render_plain_text(f"emails/{name}/body.txt", context)
        html = render_to_string(f"emails/{name}/body.html", context)
    return " ".join(subject.split()), text, html


def render_plain_text(template_name: str, context: dict) -> str:
    return get_template(template_name).template.render(Context(context, autoescape=False))


def send_email(
    name: str, to: list[str], context: dict, *, language: str | None = None, attachments=()
) -> None:
    """Render and send email `name`; raises on SMTP errors so that a task can retry."""
    subject, text, html = render_email(name, context, language=language)
    # The header names the kind of email (never whom it is about), for mail filters and sinks.
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, to, headers={"X-Consent-Email": name}
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()
