"""Django admin for staff. Writes that carry a rule go through ``annotations.services``."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count

from . import services
from .errors import Conflict
from .models import Actor, Article, Label, Membership, Project, Relation, Span, SpanActor, SpanEvent


class ServiceErrorsMixin:
    """Show a service's refusal as an admin message instead of a server error."""

    def _refused(self, request, exc) -> None:
        message = (
            exc.message
            if isinstance(exc, Conflict)
            else "; ".join(exc.messages if isinstance(exc, ValidationError) else [str(exc)])
        )
        self.message_user(request, f"Not done: {message}", level=messages.ERROR)

    def delete_model(self, request, obj):
        try:
            self.service_delete(request, obj)
        except (Conflict, ValidationError, PermissionDenied) as exc:
            self._refused(request, exc)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def service_delete(self, request, obj):
        obj.delete()


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class LabelInline(admin.TabularInline):
    model = Label
    extra = 0
    fields = ["name", "kind", "color", "hotkey", "category", "order"]


@admin.register(Project)
class ProjectAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "created_at", "member_count", "article_count"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, LabelInline]

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
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "project", "role", "created_at"]
    list_filter = ["role", "project"]
    search_fields = ["user__username", "project__name"]
    autocomplete_fields = ["user", "project"]


@admin.register(Label)
class LabelAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = ["name", "project", "kind", "category", "hotkey", "color", "order"]
    list_filter = ["kind", "project", "category"]
    search_fields = ["name", "description", "category"]
    list_editable = ["order"]

    def service_delete(self, request, obj):
        services.label_delete(label=obj)


class ServiceValidatedForm(forms.ModelForm):
    """A model form that asks the service layer whether the change would be accepted, so a
    refusal shows on the form instead of after the save."""

    def service_validate(self, cleaned_data):
        raise NotImplementedError

    def clean(self):
        cleaned_data = super().clean()
        if not self.errors:
            try:
                self.service_validate(cleaned_data)
            except Conflict as exc:
                self.add_error(None, exc.message)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        self.add_error(field if field in self.fields else None, errors)
                else:
                    self.add_error(None, exc)
        return cleaned_data


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

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = services.article_update(
                article=obj, body=data.get("body"), **article_fields(data)
            )
        else:
            saved = services.article_create(
                project=data["project"],
                body=data["body"],
                created_by=request.user,
                **article_fields(data),
            )
        obj.pk = saved.pk

    def service_delete(self, request, obj):
        services.article_delete(article=obj)


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


@admin.register(Actor)
class ActorAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    form = ActorAdminForm
    list_display = ["name", "kind", "wikidata_id", "alias_list"]
    list_filter = ["kind"]
    search_fields = ["name", "search_text", "wikidata_id"]

    @admin.display(description="aliases")
    def alias_list(self, obj):
        return ", ".join(obj.aliases)

    def save_model(self, request, obj, form, change):
        data = {key: form.cleaned_data[key] for key in ACTOR_FIELDS}
        if change:
            services.actor_update(actor=Actor.objects.get(pk=obj.pk), **data)
        else:
            obj.pk = services.actor_create(**data).pk

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
class RelationAdmin(admin.ModelAdmin):
    list_display = ["id", "from_span", "label", "to_span", "annotator", "created_at"]
    list_filter = ["label"]
    list_select_related = ["from_span__label", "to_span__label", "label", "annotator"]
    readonly_fields = [f.name for f in Relation._meta.fields]

    def has_add_permission(self, request):
        return False


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
