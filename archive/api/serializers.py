"""What each API resource shows: stable ids and slugs, a hyperlink to itself and to the resources
it names (``url``), and the public page it corresponds to (``web_url``).

Only what the public pages show: no take's full text, no draft (a response's target take is named
only when it is published), never an alert subscriber's address.
"""

from __future__ import annotations

from urllib.parse import urlencode

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from archive.models import (
    Affiliation,
    Collection,
    Expert,
    Position,
    Publication,
    Question,
    Quote,
    Response,
    Stance,
    Status,
    Take,
    Theme,
)


def absolute(serializer: serializers.Field, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


@extend_schema_field(OpenApiTypes.URI)
class WebUrlField(serializers.Field):
    """The absolute URL of the object's public page."""

    def __init__(self, **kwargs) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return absolute(self, value.get_absolute_url())


def filtered_list(serializer: serializers.Field, view_name: str, **params: str) -> str:
    """The absolute URL of an API list filtered by ``params`` (a resource's takes, say)."""
    return reverse(f"api:{view_name}", request=serializer.context.get("request")) + "?" + urlencode(params)


def link(view_name: str, lookup: str = "slug") -> serializers.HyperlinkedIdentityField:
    """The API URL of the resource itself."""
    return serializers.HyperlinkedIdentityField(view_name=f"api:{view_name}", lookup_field=lookup)


class ThemeSerializer(serializers.ModelSerializer):
    url = link("theme-detail")
    web_url = WebUrlField()

    class Meta:
        model = Theme
        fields = ["id", "slug", "url", "web_url", "name", "description"]


class ExpertRefSerializer(serializers.ModelSerializer):
    url = link("expert-detail")

    class Meta:
        model = Expert
        fields = ["id", "slug", "url", "name"]


class ThemeRefSerializer(serializers.ModelSerializer):
    url = link("theme-detail")

    class Meta:
        model = Theme
        fields = ["id", "slug", "url", "name"]


class PublicationRefSerializer(serializers.ModelSerializer):
    url = link("publication-detail")

    class Meta:
        model = Publication
        fields = ["id", "slug", "url", "name"]


class CollectionRefSerializer(serializers.ModelSerializer):
    url = link("collection-detail")

    class Meta:
        model = Collection
        fields = ["id", "slug", "url", "title"]


class TakeRefSerializer(serializers.ModelSerializer):
    url = link("take-detail")

    class Meta:
        model = Take
        fields = ["id", "slug", "url", "title"]


class StanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stance
        fields = ["id", "slug", "label", "meaning", "position"]


class QuestionRefSerializer(serializers.ModelSerializer):
    url = link("question-detail")

    class Meta:
        model = Question
        fields = ["id", "slug", "url", "text", "short_label"]


class TakePositionSerializer(serializers.ModelSerializer):
    """A take's stance on a question, as the take shows it."""

    url = link("position-detail", lookup="pk")
    question = QuestionRefSerializer()
    stance = StanceSerializer()

    class Meta:
        model = Position
        fields = ["id", "url", "question", "stance", "confidence"]


class TakeQuoteSerializer(serializers.ModelSerializer):
    """A quote as its take lists it."""

    url = link("quote-detail", lookup="pk")
    speaker = ExpertRefSerializer(allow_null=True)

    class Meta:
        model = Quote
        fields = ["id", "url", "text", "speaker", "is_headline", "source_url"]


class AuthorsField(serializers.ListField):
    """A take's authors in byline order (from the prefetched authorships)."""

    child = ExpertRefSerializer()

    def get_attribute(self, instance: Take):
        return [authorship.expert for authorship in instance.authorships.all()]


class TakeSerializer(serializers.ModelSerializer):
    url = link("take-detail")
    web_url = WebUrlField()
    authors = AuthorsField(read_only=True)
    publication = PublicationRefSerializer(allow_null=True)
    collection = CollectionRefSerializer(allow_null=True)
    themes = ThemeRefSerializer(many=True)
    positions = TakePositionSerializer(many=True)
    date_display = serializers.CharField(read_only=True)
    url_original = serializers.URLField(source="url", read_only=True, allow_blank=True)
    quotes = TakeQuoteSerializer(many=True, read_only=True)

    class Meta:
        model = Take
        fields = [
            "id",
            "slug",
            "url",
            "web_url",
            "title",
            "standfirst",
            "kind",
            "published",
            "date_precision",
            "date_display",
            "authors",
            "publication",
            "collection",
            "themes",
            "positions",
            "url_original",
            "archived_url",
            "summary",
            "language",
            "quotes",
        ]


class QuoteSerializer(serializers.ModelSerializer):
    url = link("quote-detail", lookup="pk")
    speaker = ExpertRefSerializer(allow_null=True)
    take = TakeRefSerializer()
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Quote
        fields = ["id", "url", "web_url", "text", "speaker", "is_headline", "order", "source_url", "take"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, quote: Quote) -> str:
        """The quote's place on its take's page."""
        return absolute(self, quote.take.get_absolute_url())


class AffiliationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Affiliation
        fields = ["organization", "role", "start_year", "end_year", "current"]


class ExpertSerializer(serializers.ModelSerializer):
    url = link("expert-detail")
    web_url = WebUrlField()
    affiliations = AffiliationSerializer(many=True)
    takes = serializers.SerializerMethodField()

    class Meta:
        model = Expert
        fields = ["id", "slug", "url", "web_url", "name", "sort_name", "kind", "bio", "homepage", "social_handle"]
        fields += ["affiliations", "takes"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_takes(self, expert: Expert) -> str:
        """The expert's takes: the take list filtered to them."""
        return filtered_list(self, "take-list", expert=expert.slug)


class PublicationSerializer(serializers.ModelSerializer):
    url = link("publication-detail")
    web_url = WebUrlField()
    takes = serializers.SerializerMethodField()

    class Meta:
        model = Publication
        fields = ["id", "slug", "url", "web_url", "name", "kind", "homepage", "country", "description", "takes"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_takes(self, publication: Publication) -> str:
        return filtered_list(self, "take-list", publication=publication.slug)


class CollectionSerializer(serializers.ModelSerializer):
    url = link("collection-detail")
    web_url = WebUrlField()
    publication = PublicationRefSerializer(allow_null=True)
    source_url = serializers.URLField(source="url", read_only=True, allow_blank=True)
    takes = serializers.SerializerMethodField()

    class Meta:
        model = Collection
        fields = ["id", "slug", "url", "web_url", "title", "prompt", "publication", "description", "takes"]
        fields += ["source_url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_takes(self, collection: Collection) -> str:
        return filtered_list(self, "take-list", collection=collection.slug)


class ThemeDetailSerializer(ThemeSerializer):
    takes = serializers.SerializerMethodField()

    class Meta(ThemeSerializer.Meta):
        fields = [*ThemeSerializer.Meta.fields, "takes"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_takes(self, theme: Theme) -> str:
        return filtered_list(self, "take-list", theme=theme.slug)


class QuestionSerializer(serializers.ModelSerializer):
    url = link("question-detail")
    web_url = WebUrlField()
    stances = StanceSerializer(many=True)
    positions = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = ["id", "slug", "url", "web_url", "text", "short_label", "description", "order", "stances"]
        fields += ["positions"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_positions(self, question: Question) -> str:
        return filtered_list(self, "position-list", question=question.slug)


class EvidenceSerializer(serializers.ModelSerializer):
    url = link("quote-detail", lookup="pk")
    speaker = ExpertRefSerializer(allow_null=True)

    class Meta:
        model = Quote
        fields = ["id", "url", "text", "speaker"]


class PositionSerializer(serializers.ModelSerializer):
    url = link("position-detail", lookup="pk")
    take = TakeRefSerializer()
    question = QuestionRefSerializer()
    stance = StanceSerializer()
    evidence = EvidenceSerializer(allow_null=True)

    class Meta:
        model = Position
        fields = ["id", "url", "take", "question", "stance", "confidence", "note", "evidence"]


class ResponseSerializer(serializers.ModelSerializer):
    url = link("response-detail", lookup="pk")
    take = TakeRefSerializer()
    expert = ExpertRefSerializer()
    target_take = serializers.SerializerMethodField()
    quote = EvidenceSerializer(allow_null=True)

    class Meta:
        model = Response
        fields = ["id", "url", "take", "relation", "expert", "target_take", "quote", "note"]

    @extend_schema_field(TakeRefSerializer(allow_null=True))
    def get_target_take(self, response: Response) -> dict | None:
        """The take answered, when it is published (a draft is never named)."""
        target = response.target_take
        if target is None or target.status != Status.PUBLISHED:
            return None
        return TakeRefSerializer(target, context=self.context).data
