"""The settings module read in fresh interpreters, with the environment as in production."""

import os
import secrets
import subprocess
import sys

SHOW = "from django.conf import settings as s; print({})"


NO_KEY_FILE = "/nonexistent/assay-secret-key"  # the checkout's var/secret-key may exist


def run_python(args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env = {"DJANGO_SECRET_KEY_FILE": NO_KEY_FILE, **env}
    return subprocess.run(
        [sys.executable, *args],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def settings_value(expression, **env):
    return run_python(["-c", "import django; django.setup(); " + SHOW.format(expression)], **env)


def test_no_secret_key_outside_debug_is_refused():
    result = settings_value("s.SECRET_KEY")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_without_the_variable_the_checkouts_key_file_is_read(tmp_path):
    key_file = tmp_path / "secret-key"
    key_file.write_text("k" * 60 + "\n")
    result = settings_value("s.SECRET_KEY", DJANGO_SECRET_KEY_FILE=str(key_file))
    assert result.stdout.strip() == "k" * 60


def test_the_readmes_manage_py_commands_run_without_the_variable(tmp_path):
    """`manage.py shell` and `export` as the README writes them, after scripts/serve made the
    checkout's key: no ImproperlyConfigured."""
    key_file = tmp_path / "secret-key"
    key_file.write_text("k" * 60 + "\n")
    shell = run_python(
        ["manage.py", "shell", "-c", "print('ok')"], DJANGO_SECRET_KEY_FILE=str(key_file)
    )
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.strip().endswith("ok")
    export = run_python(["manage.py", "export", "--help"], DJANGO_SECRET_KEY_FILE=str(key_file))
    assert export.returncode == 0, export.stderr


def test_deploy_check_refuses_a_key_not_from_the_environment(tmp_path):
    key_file = tmp_path / "secret-key"
    key_file.write_text("k" * 60 + "\n")
    production = {"DJANGO_ALLOWED_HOSTS": "assay.example.org", "DJANGO_HTTPS": "1"}
    from_file = run_python(
        ["manage.py", "check", "--deploy"], DJANGO_SECRET_KEY_FILE=str(key_file), **production
    )
    assert from_file.returncode != 0
    assert "assay.E001" in from_file.stderr
    development = run_python(["manage.py", "check", "--deploy"], DJANGO_DEBUG="1", **production)
    assert "assay.E001" in development.stderr
    from_env = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SECRET_KEY="ci-" + secrets.token_urlsafe(50),
        **production,
    )
    assert from_env.returncode == 0, from_env.stderr


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
