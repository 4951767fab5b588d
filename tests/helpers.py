import datetime as dt
import time
from zoneinfo import ZoneInfo

from consents.decisions.services import decision_record
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
