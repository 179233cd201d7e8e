from django.core.cache import cache
from django.http import HttpResponse


def item(request, item_id):
    return HttpResponse(f"item {item_id}\n", content_type="text/plain")


def boom(request):
    raise RuntimeError("boom: an unhandled error on purpose (HTTP 500)")


def cache_lookup(request, key):
    """One cache GET; on a miss, one SET. Answers "hit" or "miss"."""
    if cache.get(key) is not None:
        return HttpResponse("hit\n", content_type="text/plain")
    cache.set(key, "value of " + key, timeout=None)
    return HttpResponse("miss\n", content_type="text/plain")
