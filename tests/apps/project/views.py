from django.http import HttpResponse


def item(request, item_id):
    return HttpResponse(f"item {item_id}\n", content_type="text/plain")


def boom(request):
    raise RuntimeError("boom: an unhandled error on purpose (HTTP 500)")
