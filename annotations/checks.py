"""System checks of Assay's own settings (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_secret_key_source(app_configs, **kwargs):
    """A deployment takes its key from DJANGO_SECRET_KEY: the checkout's var/secret-key and the
    development key are for running it on one machine (see config/settings.py)."""
    source = getattr(settings, "SECRET_KEY_FROM", "DJANGO_SECRET_KEY")
    if source == "DJANGO_SECRET_KEY":
        return []
    return [
        Error(
            f"The secret key comes from {source}, not from DJANGO_SECRET_KEY.",
            hint="Set DJANGO_SECRET_KEY in the deployment's environment.",
            id="assay.E001",
        )
    ]
