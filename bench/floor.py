"""The yardstick of bench/api_bench.py: the cheapest possible span write.

Parse the JSON, one INSERT, answer JSON: no service, no rule, on purpose, so it lives here and
not in the app. annotations/api/urls.py routes it (POST /api/v1/bench/floor/, among the API's
routes) only when ASSAY_BENCH_FLOOR=1, which only bench/api_bench.py sets; the API's span
create is compared with it on the same server and database.
"""

import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from annotations.models import Span


@csrf_exempt
def bench_floor(request):
    if request.method != "POST":
        return JsonResponse({"detail": "POST only."}, status=405)
    data = json.loads(request.body)
    span = Span.objects.create(
        article_id=data["article"],
        project_id=data["project"],
        label_id=data["label"],
        annotator_id=data["annotator"],
        start=data["start"],
        end=data["end"],
        text=data["text"],
    )
    return JsonResponse({"id": span.pk}, status=201)
