"""A minimal Django project with no middleware: an uninstrumented backend for hostlens's
integration tests and benchmarks, served by gunicorn.

Without environment variables it has no database and no cache. The tests and benchmarks turn
them on:
    HOSTLENS_PG_HOST, HOSTLENS_PG_PORT  PostgreSQL (database "hostlens", user "postgres"); a HOST
                                        that is a directory is the Unix socket's, as in Django
    HOSTLENS_REDIS_URL                  Django's cache on Redis through django-redis
    HOSTLENS_DJANGO_PROMETHEUS=1        the hand-wired way hostlens replaces: django-prometheus
                                        middleware, database and cache wrappers, its /metrics

Routes (project/urls.py): /items/<int>/ answers 200, /boom/ raises (500), /customers/<int>/
(one query), /orders/<n>/ (the N+1 view: 1 + n queries), /cache/<key>/ (a cache lookup, set
on a miss), anything else is 404.
"""
import os

SECRET_KEY = "hostlens-integration-tests-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
PROMETHEUS = os.environ.get("HOSTLENS_DJANGO_PROMETHEUS") == "1"

if os.environ.get("HOSTLENS_PG_PORT"):
    INSTALLED_APPS.append("shop")
    DATABASES["default"] = {
        "ENGINE": (
            "django_prometheus.db.backends.postgresql"
            if PROMETHEUS
            else "django.db.backends.postgresql"
        ),
        "HOST": os.environ.get("HOSTLENS_PG_HOST", ""),
        "PORT": os.environ["HOSTLENS_PG_PORT"],
        "NAME": "hostlens",
        "USER": "postgres",
        "CONN_MAX_AGE": None,  # one connection per worker thread, kept
    }

if os.environ.get("HOSTLENS_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": (
                "django_prometheus.cache.backends.redis.RedisCache"
                if PROMETHEUS
                else "django_redis.cache.RedisCache"
            ),
            "LOCATION": os.environ["HOSTLENS_REDIS_URL"],
        }
    }

if PROMETHEUS:
    INSTALLED_APPS.insert(0, "django_prometheus")
    MIDDLEWARE = [
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        "django_prometheus.middleware.PrometheusAfterMiddleware",
    ]

# Quiet by default: the 500s of /boom/ are on purpose.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "loggers": {"django.request": {"handlers": ["null"], "propagate": False}},
}
