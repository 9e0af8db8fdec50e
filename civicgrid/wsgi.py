import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
application = get_wsgi_application()

# What loading the app made (modules, URL patterns, templates, translations: a few hundred
# thousand objects) lives as long as the process. Frozen, the collector no longer walks it
# on every full collection, which otherwise ran every few requests of a long list and cost
# more than the request itself (issue 13, docs/performance.md).
gc.freeze()
