"""Keep email addresses out of the application's log output.

The code does not log personal data (tests/test_log_privacy.py runs the main flows with
canary names and addresses and finds none in the log records); this filter, on every
handler, masks any address that still slips into a message or a traceback, such as one in
an exception message of a library.
"""

import logging
import re

EMAIL = re.compile(r"([A-Za-z0-9._%+-]{1,64})@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def _mask(match: re.Match) -> str:
    local = match.group(1)
    return f"{local[:2] if len(local) > 3 else local[:1]}***@{match.group(2)}"


def redact(text: str) -> str:
    return EMAIL.sub(_mask, text)


class RedactEmailAddresses(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
