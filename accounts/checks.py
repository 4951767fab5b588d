"""`manage.py check --deploy`: the login limits need a cache that every process shares."""

from django.conf import settings
from django.core import checks
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache

# Each process keeps its own copy (or nothing at all): a limit of 5 wrong codes per address
# becomes 5 per gunicorn process, and a dummy cache never counts.
PER_PROCESS_CACHES = (LocMemCache, DummyCache)


@checks.register(checks.Tags.caches, deploy=True)
def shared_cache_check(app_configs, **kwargs):
    """allauth's login rate limits (and the report's tables) live in the default cache."""
    cache = caches["default"]
    if settings.DEBUG or not isinstance(cache, PER_PROCESS_CACHES):
        return []
    return [
        checks.Error(
            f"The default cache ({type(cache).__name__}) is kept per process: with more than "
            "one gunicorn process, login rate limits are counted in each process apart.",
            hint="Set CACHE_URL to a Redis URL that every process uses, e.g. redis://redis:6379/1.",
            id="accounts.E001",
        )
    ]
