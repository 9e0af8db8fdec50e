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
# A list of a thousand requests makes ~40,000 short-lived containers; with the default
# threshold (700) the youngest generation was collected ~18 times a request and the older
# ones often enough to cost ~9 ms of a ~60 ms answer. Collected every 50,000 allocations,
# the same work takes ~3 ms; cycles wait a little longer to be freed (a few MB at most).
gc.set_threshold(50_000, 20, 10)
