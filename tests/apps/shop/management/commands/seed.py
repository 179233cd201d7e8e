"""Creates the shop's tables (no migrations: --run-syncdb) and fills them: 20 customers, 200
orders. Run once before the server starts: `manage.py seed`."""
from django.core.management import call_command
from django.core.management.base import BaseCommand

from shop.models import Customer, Order


class Command(BaseCommand):
    help = "Create and fill the shop's tables."

    def handle(self, *args, **options):
        call_command("migrate", run_syncdb=True, verbosity=0)
        Order.objects.all().delete()
        Customer.objects.all().delete()
        customers = Customer.objects.bulk_create(
            [Customer(name=f"customer {i}") for i in range(20)]
        )
        Order.objects.bulk_create(
            [Order(customer=customers[i % 20], total=i) for i in range(200)]
        )
