"""Long work on Django's Tasks API (the django-tasks backport: ``django.tasks`` in Django 6).

The backend is ``settings.TASKS``: the database by default (``manage.py db_worker`` runs the
tasks; ``scripts/serve`` starts it beside gunicorn), RQ on Redis when ``TASKS_URL`` names one
(``manage.py rqworker default``). The tasks only call services: the work is in
``services/jobs.py``.
"""

from django_tasks import task

from .services.jobs import job_run


@task()
def run_job(job_id: int) -> str:
    """A page's import or export (``Job``), by its id; returns the job's final status."""
    return job_run(job_id)
