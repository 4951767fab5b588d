import datetime as dt
import smtplib
import time
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.core import mail

from consents.communications.publications import publication_record
from consents.decisions.services import decision_record
from consents.models import OutboxMessage
from consents.rules import verdict_for

AMS = ZoneInfo("Europe/Amsterdam")


def amsterdam(year, month, day, hour=12, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=AMS)


def record(actor, subject, purpose, media_type, value="granted", **kwargs):
    return decision_record(
        actor=actor, subject=subject, purpose=purpose, media_type=media_type, value=value, **kwargs
    )


def state(subject, purpose, media_type, on):
    return verdict_for(subject, purpose, media_type, on=on).state


def wait_until(condition, timeout=90.0, interval=0.05):
    """Poll `condition` until it is true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"not true after {timeout} s: {condition.__doc__ or condition}")


def publish(user, school, purpose, media_type, people, title):
    """Record a publication of `people` on 1 September 2026."""
    return publication_record(
        user=user,
        school=school,
        title=title,
        purpose=purpose,
        media_type=media_type,
        published_on=dt.date(2026, 9, 1),
        people=people,
    )


def outbox_all_done():
    """Every outbox row has reached a final state."""
    return not OutboxMessage.objects.filter(
        state__in=[
            OutboxMessage.State.QUEUED,
            OutboxMessage.State.SENDING,
            OutboxMessage.State.RETRY,
        ]
    ).exists()


class FlakyBackend:
    """Delivers to the locmem outbox; the addresses in `failures` fail that many times first
    (a lost connection). `attempts` notes when each address was tried. Reset by the
    `flaky_mail_server` fixture."""

    failures = {}
    attempts = defaultdict(list)

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        for message in messages:
            address = message.to[0]
            self.attempts[address].append(time.monotonic())
            if self.failures.get(address, 0) > 0:
                self.failures[address] -= 1
                raise smtplib.SMTPServerDisconnected(f"{address}: connection lost")
        mail.outbox.extend(messages)
        return len(messages)
