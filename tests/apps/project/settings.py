"""A minimal Django project with no middleware and no database: an
uninstrumented backend for hostlens's integration tests, served by gunicorn.

Routes: /items/<int>/ answers 200, /boom/ raises (500), anything else is 404.
"""
SECRET_KEY = "hostlens-integration-tests-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
USE_TZ = True
# Quiet by default: the 500s of /boom/ are on purpose.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "loggers": {"django.request": {"handlers": ["null"], "propagate": False}},
}
