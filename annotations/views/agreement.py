"""The inter-annotator agreement page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from .. import selectors
from ..forms import AgreementFilterForm
from . import charts
from .common import label_and_annotator_choices, user_project


@login_required
@require_safe
@vary_on_headers("HX-Request")
def project_agreement(request, slug):
    """Inter-annotator agreement per pair and per label, as the API's agreement/ computes it."""
    project = user_project(request, slug)
    labels, _ = label_and_annotator_choices(project)
    bases = [
        (selectors.AgreementBasis.SPANS, "Both have spans"),
        (selectors.AgreementBasis.DONE, "Both marked done"),
    ]
    form = AgreementFilterForm(
        request.GET, bases=bases, labels=labels, default_basis=selectors.AgreementBasis.SPANS
    )
    picked = form.picked()
    basis, label = picked["basis"], picked["label"]
    result = selectors.project_agreement(
        project=project, basis=basis, label=int(label) if label else None, user=request.user
    )
    context = {
        "project": project,
        "result": result,
        "alpha_band": charts.kappa_band(result.alpha),
        "matrix": charts.pair_matrix(result.pairs),
        "kappa_legend": charts.kappa_legend(),
        "label_bars": charts.f1_bars(result.labels),
        "labels": labels,
        "bases": bases,
        "picked": picked,
    }
    if request.htmx:
        return render(request, "annotations/partials/agreement/agreement_tables.html", context)
    return render(request, "annotations/project_agreement.html", context)
