"""What the API reads and answers, a module per resource. Validation of shape and range lives
here; every rule that needs the database (roles, offsets inside the body, uniqueness) lives in
the services.

Ids in request bodies resolve only among the requesting user's objects (``fields``), so another
project's article, label or span answers 400 "does not exist" and never reveals anything about it.
"""

from .actors import ActorSerializer, ActorUpdateSerializer
from .agreement import (
    AgreementCountsSerializer,
    AgreementLabelPooledSerializer,
    AgreementLabelSerializer,
    AgreementPairSerializer,
    AgreementQuerySerializer,
    AgreementSerializer,
)
from .analytics import (
    ActorsQuerySerializer,
    ActorsRankedSerializer,
    AnalyticsQuerySerializer,
    SourcesSerializer,
    TimelineQuerySerializer,
    TimelineSerializer,
)
from .articles import ArticleListSerializer, ArticleSerializer, ArticleUpdateSerializer
from .common import (
    ErrorSerializer,
    ImportLineErrorSerializer,
    ImportResultSerializer,
    TokenSerializer,
)
from .fields import MAX_BULK, MAX_TEXT
from .gold import (
    AssignmentSerializer,
    AssignResultSerializer,
    AssignSerializer,
    CurateResultSerializer,
    CurateSerializer,
)
from .history import SnapshotField, SpanEventSerializer
from .labels import LabelSerializer, LabelUpdateSerializer
from .projects import MemberRoleSerializer, MemberSerializer, ProjectSerializer
from .relations import RelationSerializer, RelationUpdateSerializer
from .span_pages import (
    ArticleSpanPage,
    UtcText,
    iso_datetimes,
    plain_article_page,
    span_page,
    span_page_columns,
    utc_text,
)
from .spans import SpanActorSerializer, SpanSerializer, SpanUpdateSerializer, plain_span_input
from .suggestions import (
    DismissalSerializer,
    DismissSerializer,
    LabelAllResultSerializer,
    LabelAllSerializer,
    SuggestionBackendSerializer,
    SuggestionSerializer,
    SuggestionsSerializer,
)

__all__ = [
    "MAX_BULK",
    "MAX_TEXT",
    "ActorSerializer",
    "ActorUpdateSerializer",
    "ActorsQuerySerializer",
    "ActorsRankedSerializer",
    "AgreementCountsSerializer",
    "AgreementLabelPooledSerializer",
    "AgreementLabelSerializer",
    "AgreementPairSerializer",
    "AgreementQuerySerializer",
    "AgreementSerializer",
    "AnalyticsQuerySerializer",
    "ArticleListSerializer",
    "ArticleSerializer",
    "ArticleSpanPage",
    "ArticleUpdateSerializer",
    "AssignResultSerializer",
    "AssignSerializer",
    "AssignmentSerializer",
    "CurateResultSerializer",
    "CurateSerializer",
    "DismissSerializer",
    "DismissalSerializer",
    "ErrorSerializer",
    "ImportLineErrorSerializer",
    "ImportResultSerializer",
    "LabelAllResultSerializer",
    "LabelAllSerializer",
    "LabelSerializer",
    "LabelUpdateSerializer",
    "MemberRoleSerializer",
    "MemberSerializer",
    "ProjectSerializer",
    "RelationSerializer",
    "RelationUpdateSerializer",
    "SnapshotField",
    "SourcesSerializer",
    "SpanActorSerializer",
    "SpanEventSerializer",
    "SpanSerializer",
    "SpanUpdateSerializer",
    "SuggestionBackendSerializer",
    "SuggestionSerializer",
    "SuggestionsSerializer",
    "TimelineQuerySerializer",
    "TimelineSerializer",
    "TokenSerializer",
    "UtcText",
    "iso_datetimes",
    "plain_article_page",
    "plain_span_input",
    "span_page",
    "span_page_columns",
    "utc_text",
]
