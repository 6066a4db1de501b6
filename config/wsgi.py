"""The WSGI application, as gunicorn serves it (``config.wsgi:application``)."""

import gc
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# What is loaded by now (Django, the apps, and the views the URLconf imports, loaded here
# rather than on the first request) lives as long as the process: frozen out of the
# collector's sight, its full collections, which a page of a thousand spans sets off, scan
# only what requests make. A 200,000-character article and a page of its spans took 12%
# longer without it (bench/api_bench.py).
get_resolver().url_patterns  # noqa: B018 - imported for its side effect
gc.freeze()

# The registry's matcher (an automaton of every actor's names: a second or more to build for a
# large registry) is built now, in a thread, rather than by the first suggestions request.
if settings.SUGGESTIONS_WARM_AT_START:
    from annotations.selectors.suggestions import warm_matcher

    warm_matcher()
