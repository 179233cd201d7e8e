from django.http import HttpResponse

from .models import Customer, Order


def customer(request, customer_id):
    """One query: SELECT ... FROM shop_customer WHERE id = %s."""
    c = Customer.objects.get(pk=customer_id)
    return HttpResponse(f"{c.name}\n", content_type="text/plain")


def orders(request, count):
    """The N+1 view: one query for `count` orders, then one per order for its customer."""
    lines = [f"{o.id} {o.customer.name} {o.total}" for o in Order.objects.order_by("id")[:count]]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
