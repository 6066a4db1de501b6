"""Django admin for staff. Every write goes through ``annotations.services``.

A form asks the service whether its change would be accepted (``ServiceValidatedForm``), so a
refusal (the last manager demoted, a reserved hotkey, a body frozen by spans) shows on the
form and nothing is written; the save then calls the same service for real. A delete that the
service refuses becomes a message (``ServiceErrorsMixin``). Never a 500, never a write that
skips a rule.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.forms.models import BaseInlineFormSet

from . import services
from .errors import Conflict
from .models import (
    Actor,
    Article,
    Label,
    Membership,
    Project,
    Relation,
    Role,
    Span,
    SpanActor,
    SpanEvent,
)

REFUSALS = (Conflict, ValidationError, PermissionDenied)


def _message(exc) -> str:
    if isinstance(exc, Conflict):
        return exc.message
    return "; ".join(exc.messages if isinstance(exc, ValidationError) else [str(exc)])


def _dry_run(apply) -> None:
    """Call ``apply`` (service calls) in a savepoint rolled back: its refusal is raised,
    nothing it wrote stays."""
    with transaction.atomic():
        apply()
        transaction.set_rollback(True)


class ServiceErrorsMixin:
    """Deletes through a service; its refusal is an admin message instead of a server error.
    Forms get the request, for the services' role checks."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def _refused(self, request, exc) -> None:
        self.message_user(request, f"Not done: {_message(exc)}", level=messages.ERROR)

    def delete_model(self, request, obj):
        try:
            self.service_delete(request, obj)
        except REFUSALS as exc:
            self._refused(request, exc)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def service_delete(self, request, obj):
        raise NotImplementedError("every admin delete goes through a service")

    def save_model(self, request, obj, form, change):
        obj.pk = form.apply().pk

    def save_formset(self, request, form, formset, change):
        if isinstance(formset, ServiceInlineFormSet):
            formset.apply_all()
        else:
            super().save_formset(request, form, formset, change)


class ServiceValidatedForm(forms.ModelForm):
    """A model form that asks the service layer whether the change would be accepted, so a
    refusal shows on the form instead of after the save.

    ``apply`` makes the service calls (the admin's save); by default ``service_validate``
    tries them in a savepoint that is rolled back. Inline rows are tried together by their
    formset instead (one row alone may be refused where the rows together are not)."""

    request = None  # set by ServiceErrorsMixin.get_form or the inline formset
    tried_alone = True

    @property
    def user(self):
        return self.request.user

    def apply(self):
        raise NotImplementedError

    def apply_delete(self) -> None:
        raise NotImplementedError

    def service_validate(self, cleaned_data):
        if self.tried_alone:
            _dry_run(self.apply)

    def clean(self):
        cleaned_data = super().clean()
        if not self.errors:
            try:
                self.service_validate(cleaned_data)
            except REFUSALS as exc:
                self.add_refusal(exc)
        return cleaned_data

    def add_refusal(self, exc) -> None:
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, _message(exc))


class ServiceInlineFormSet(BaseInlineFormSet):
    """Inline rows saved through their form's ``apply``/``apply_delete``: tried together in
    a rolled-back savepoint on clean (a refusal is the formset's error), then for real."""

    request = None  # set by ServiceInline.get_formset

    def _ordered(self):
        kept = [f for f in self.forms if f.has_changed() and not self._should_delete_form(f)]
        # Promotions first: making another manager before demoting one is allowed.
        kept.sort(key=lambda f: f.cleaned_data.get("role") != Role.MANAGER)
        deleted = [f for f in self.initial_forms if self._should_delete_form(f)]
        return kept, deleted

    def apply_all(self) -> None:
        kept, deleted = self._ordered()
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        for form in kept:
            form.request = self.request
            obj = form.apply()
            if form.instance.pk and form in self.initial_forms:
                self.changed_objects.append((obj, form.changed_data))
            else:
                self.new_objects.append(obj)
        for form in deleted:
            form.request = self.request
            form.apply_delete()
            self.deleted_objects.append(form.instance)

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        try:
            _dry_run(self.apply_all)
        except REFUSALS as exc:
            raise ValidationError(_message(exc)) from exc


class ServiceInline(admin.TabularInline):
    formset = ServiceInlineFormSet
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"request": request})


# --- projects, members, labels -----------------------------------------------------------------


class MembershipForm(ServiceValidatedForm):
    class Meta:
        model = Membership
        fields = ["project", "user", "role"]

    def apply(self) -> Membership:
        data = self.cleaned_data
        project, member = data["project"], data["user"]
        old = Membership.objects.filter(pk=self.instance.pk).first() if self.instance.pk else None
        membership = services.membership_set(
            project=project, user=self.user, member=member, role=data["role"]
        )
        if old is not None and (old.project_id, old.user_id) != (project.pk, member.pk):
            services.membership_remove(project=old.project, user=self.user, member=old.user)
        return membership

    def apply_delete(self) -> None:
        old = Membership.objects.select_related("project", "user").get(pk=self.instance.pk)
        services.membership_remove(project=old.project, user=self.user, member=old.user)


class InlineMembershipForm(MembershipForm):
    tried_alone = False


class MembershipInline(ServiceInline):
    model = Membership
    form = InlineMembershipForm
    autocomplete_fields = ["user"]


LABEL_FIELDS = ("name", "kind", "color", "hotkey", "description", "category", "order")


class LabelForm(ServiceValidatedForm):
    class Meta:
        model = Label
        fields = ["project", *LABEL_FIELDS]

    def apply(self) -> Label:
        data = {key: self.cleaned_data[key] for key in LABEL_FIELDS if key in self.cleaned_data}
        if self.instance.pk:
            label = Label.objects.get(
                pk=self.instance.pk
            )  # the form's instance holds the new values
            return services.label_update(label=label, user=self.user, **data)
        return services.label_create(project=self.cleaned_data["project"], user=self.user, **data)

    def apply_delete(self) -> None:
        services.label_delete(label=Label.objects.get(pk=self.instance.pk), user=self.user)


class InlineLabelForm(LabelForm):
    tried_alone = False


class LabelInline(ServiceInline):
    model = Label
    form = InlineLabelForm
    fields = ["name", "kind", "color", "hotkey", "category", "order"]


class ProjectForm(ServiceValidatedForm):
    class Meta:
        model = Project
        fields = ["name", "slug", "description"]

    def apply(self) -> Project:
        data = self.cleaned_data
        if self.instance.pk:
            return services.project_update(
                project=Project.objects.get(pk=self.instance.pk),
                user=self.user,
                name=data["name"],
                slug=data["slug"],
                description=data["description"],
            )
        return services.project_create(
            name=data["name"], slug=data["slug"], description=data["description"], creator=self.user
        )


@admin.register(Project)
class ProjectAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    form = ProjectForm
    list_display = ["name", "slug", "created_at", "member_count", "article_count"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, LabelInline]

    def get_inlines(self, request, obj):
        # A new project's creator becomes its manager; members and labels come after.
        return self.inlines if obj is not None else []

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_total=Count("memberships", distinct=True),
                article_total=Count("articles", distinct=True),
            )
        )

    @admin.display(ordering="member_total", description="members")
    def member_count(self, obj):
        return obj.member_total

    @admin.display(ordering="article_total", description="articles")
    def article_count(self, obj):
        return obj.article_total

    def service_delete(self, request, obj):
        services.project_delete(project=obj, user=request.user)


@admin.register(Membership)
class MembershipAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    form = MembershipForm
    list_display = ["user", "project", "role", "created_at"]
    list_filter = ["role", "project"]
    search_fields = ["user__username", "project__name"]
    autocomplete_fields = ["user", "project"]

    def service_delete(self, request, obj):
        services.membership_remove(project=obj.project, user=request.user, member=obj.user)


@admin.register(Label)
class LabelAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    form = LabelForm
    list_display = ["name", "project", "kind", "category", "hotkey", "color", "order"]
    list_filter = ["kind", "project", "category"]
    search_fields = ["name", "description", "category"]
    list_editable = ["order"]

    def get_readonly_fields(self, request, obj=None):
        return ["project"] if obj is not None else []

    def get_changelist_form(self, request, **kwargs):
        # The list's "order" column is saved by label_update too.
        form = super().get_changelist_form(request, form=LabelForm, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def service_delete(self, request, obj):
        services.label_delete(label=obj, user=request.user)


# --- articles and actors -------------------------------------------------------------------------


class ArticleAdminForm(ServiceValidatedForm):
    url = forms.URLField(required=False, max_length=2000, assume_scheme="https")

    class Meta:
        model = Article
        fields = ["project", "title", "body", *services.ARTICLE_FIELDS[1:]]

    def service_validate(self, cleaned_data):
        services.article_validate(
            project=cleaned_data.get("project") or self.instance.project,
            article=self.instance if self.instance.pk else None,
            body=cleaned_data.get("body"),
            **article_fields(cleaned_data),
        )

    def apply(self) -> Article:
        data = self.cleaned_data
        if self.instance.pk:
            return services.article_update(
                article=Article.objects.get(pk=self.instance.pk),
                user=self.user,
                body=data.get("body"),
                **article_fields(data),
            )
        return services.article_create(
            project=data["project"],
            user=self.user,
            body=data["body"],
            created_by=self.user,
            **article_fields(data),
        )


def article_fields(cleaned_data):
    return {name: cleaned_data[name] for name in services.ARTICLE_FIELDS if name in cleaned_data}


@admin.register(Article)
class ArticleAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "project", "source", "published_on", "language", "span_total"]
    list_filter = ["project", "source", "language", "published_on"]
    search_fields = ["title", "external_id", "author", "url"]
    date_hierarchy = "published_on"
    readonly_fields = ["sha256", "created_at", "updated_at", "created_by"]
    autocomplete_fields = ["project"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(span_total_=Count("spans"))

    @admin.display(ordering="span_total_", description="spans")
    def span_total(self, obj):
        return obj.span_total_

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.spans.exists():
            fields.append("body")  # frozen once spans refer to it
        return fields

    def service_delete(self, request, obj):
        services.article_delete(article=obj, user=request.user)


ACTOR_FIELDS = ("name", "kind", "aliases", "description", "wikidata_id")


class ActorAdminForm(ServiceValidatedForm):
    class Meta:
        model = Actor
        fields = list(ACTOR_FIELDS)

    def service_validate(self, cleaned_data):
        services.actor_validate(
            actor=self.instance if self.instance.pk else None,
            **{key: cleaned_data[key] for key in ACTOR_FIELDS if key in cleaned_data},
        )

    def apply(self) -> Actor:
        data = {key: self.cleaned_data[key] for key in ACTOR_FIELDS}
        if self.instance.pk:
            return services.actor_update(actor=Actor.objects.get(pk=self.instance.pk), **data)
        return services.actor_create(**data)


@admin.register(Actor)
class ActorAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    form = ActorAdminForm
    list_display = ["name", "kind", "wikidata_id", "alias_list"]
    list_filter = ["kind"]
    search_fields = ["name", "search_text", "wikidata_id"]

    @admin.display(description="aliases")
    def alias_list(self, obj):
        return ", ".join(obj.aliases)

    def service_delete(self, request, obj):
        services.actor_delete(actor=obj, user=request.user)


class SpanActorInline(admin.TabularInline):
    model = SpanActor
    extra = 0
    autocomplete_fields = ["actor"]
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Span)
class SpanAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    """Spans are read and deleted here; they are made and changed on the annotate page."""

    list_display = ["id", "label", "short_text", "article", "annotator", "status", "version"]
    list_filter = ["status", "probability", "confidence", "project", "label"]
    search_fields = ["text", "note", "annotator__username"]
    list_select_related = ["label", "article", "annotator"]
    inlines = [SpanActorInline]
    readonly_fields = [f.name for f in Span._meta.fields]

    @admin.display(description="text")
    def short_text(self, obj):
        return obj.text[:80]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def service_delete(self, request, obj):
        services.span_delete(span=obj, user=request.user)


@admin.register(Relation)
class RelationAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = ["id", "from_span", "label", "to_span", "annotator", "created_at"]
    list_filter = ["label"]
    list_select_related = ["from_span__label", "to_span__label", "label", "annotator"]
    readonly_fields = [f.name for f in Relation._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def service_delete(self, request, obj):
        services.relation_delete(relation=obj, user=request.user)


@admin.register(SpanEvent)
class SpanEventAdmin(admin.ModelAdmin):
    """The history is append-only: readable, never edited."""

    list_display = ["at", "action", "span_id", "article", "user"]
    list_filter = ["action", "project"]
    search_fields = ["user__username"]
    list_select_related = ["article", "user"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in SpanEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
