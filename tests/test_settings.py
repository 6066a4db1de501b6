"""The settings module read in fresh interpreters, with the environment as in production."""

import os
import subprocess
import sys

SHOW = "from django.conf import settings as s; print({})"


def settings_value(expression, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + SHOW.format(expression)],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    return result


def test_no_secret_key_outside_debug_is_refused():
    result = settings_value("s.SECRET_KEY")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_debug_has_a_development_key():
    result = settings_value("s.DEBUG", DJANGO_DEBUG="1")
    assert result.stdout.strip() == "True"


def test_sqlite_default_waits_for_writers():
    result = settings_value("s.DATABASES['default']['OPTIONS']", DJANGO_DEBUG="1")
    assert "'transaction_mode': 'IMMEDIATE'" in result.stdout
    assert "journal_mode=WAL" in result.stdout


def test_database_url_selects_postgresql():
    result = settings_value(
        "s.DATABASES['default']['ENGINE']",
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/assay",
    )
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_https_switch_turns_on_secure_settings():
    result = settings_value(
        "(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)",
        DJANGO_SECRET_KEY="k" * 60,
        DJANGO_HTTPS="1",
    )
    assert result.stdout.strip() == "(True, True, True)"
    plain = settings_value("s.SECURE_SSL_REDIRECT", DJANGO_SECRET_KEY="k" * 60)
    assert plain.stdout.strip() == "False"
