"""Jobs a user may see: their own (a superuser: everyone's)."""

from ..models import Job


def jobs_for_user(user):
    jobs = Job.objects.select_related("project")
    return jobs if user.is_superuser else jobs.filter(user=user)
