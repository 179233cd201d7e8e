from django.conf import settings
from django.urls import include, path

from . import views

urlpatterns = [
    path("items/<int:item_id>/", views.item),
    path("boom/", views.boom),
    path("cache/<str:key>/", views.cache_lookup),
]
if "shop" in settings.INSTALLED_APPS:
    from shop import views as shop_views

    urlpatterns += [
        path("customers/<int:customer_id>/", shop_views.customer),
        path("orders/<int:count>/", shop_views.orders),
    ]
if settings.PROMETHEUS:
    urlpatterns.append(path("", include("django_prometheus.urls")))
