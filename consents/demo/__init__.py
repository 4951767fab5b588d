"""The demo board of `make run` (`manage.py load_demo`)."""

from .board import Demo
from .names import DEMO_LOGINS

__all__ = ["DEMO_LOGINS", "Demo"]
