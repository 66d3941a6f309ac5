"""Evidence as people read it (``cbcoord.activities.evidence``): the compact items stored by
the importer and the services, written as sentences in the reader's language, with the
provisions' titles from the catalogue; sentences stored before the compact form as they are."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cbcoord.accounts.models import Role
from cbcoord.activities import derive, evidence, services
from cbcoord.activities.models import Activity, ActivityProvision
from cbcoord.registry.models import Organisation
from cbcoord.tagging.engine import Tagger, TaggingInput
from cbcoord.tagging.evaluation import read_labelled
from tests.factories import ImportedActivityFactory, UserFactory

DEV_SET = Path(__file__).resolve().parents[1] / "tagging" / "data" / "dev_set.csv"

#: Items of each kind, and the sentence each says in English.
ENGLISH = [
    (
        ["t", "r", 1, "es", "ventanilla única"],
        'The Spanish term "ventanilla única" occurs in the text, a sign of customs or '
        "border-agency work.",
    ),
    (
        ["t", "r", -1, "en", "judges", "", "Judges'"],
        'The English term "judges" occurs in the text as "Judges\'", a sign that the activity '
        "is about something else.",
    ),
    (
        ["t", "r", 1, "fr", "gestion des risques", "TFA-7.4", "gestion du risque"],
        'The French term "gestion des risques" occurs in the text as "gestion du risque"; it '
        "points to TFA-7.4 Risk management, which counts towards customs relevance.",
    ),
    (
        ["t", "p", 1, "*", "AEO", "SAFE-P2-S3"],
        'The language-neutral term "AEO" occurs in the text, which points to SAFE-P2-S3 '
        "Authorization.",
    ),
    (
        ["t", "p", -1, "en", "disaster risk management", "TFA-7.4"],
        'The English term "disaster risk management" occurs in the text, which counts against '
        "TFA-7.4 Risk management.",
    ),
    (
        ["s", "r", 1, "33120", "1", "Trade facilitation"],
        "The activity is coded DAC sector 33120 Trade facilitation, which supports customs "
        "relevance.",
    ),
    (
        ["s", "r", -1, "122", "2", "Basic Health", "", "12220"],
        "The activity is coded DAC sector category 122 Basic Health (from code 12220), which "
        "usually means work outside customs.",
    ),
    (
        ["s", "p", 1, "15114", "1", "Domestic revenue mobilisation", "THEME-REVENUE"],
        "The activity is coded DAC sector 15114 Domestic revenue mobilisation, which supports "
        "THEME-REVENUE Revenue: valuation, classification, origin and collection.",
    ),
    (
        ["g", "r", 1, "CUSTOMS", "99", "reporting organisation's own tag"],
        "The activity carries the tag CUSTOMS (vocabulary 99: reporting organisation's own "
        "tag), which supports customs relevance.",
    ),
    (
        ["g", "r", 0, "17.1", "3"],
        "The activity carries the tag 17.1 (vocabulary 3), which alone says nothing either way.",
    ),
    (
        ["m", "r", 1, "4", "2", "Trade Development"],
        "The activity carries the policy marker Trade Development (code 4, significance 2), "
        "which supports customs relevance.",
    ),
    (
        ["m", "r", 0, "3"],  # the name from the codelist; no significance given
        "The activity carries the policy marker Participatory Development/Good Governance "
        "(code 3, significance not given), which alone says nothing either way.",
    ),
    (
        ["m", "r", 0, "X9", ""],  # a code of no codelist, without a name
        "The activity carries the policy marker (code X9, significance not given), which alone "
        "says nothing either way.",
    ),
    (
        derive.NO_EVIDENCE,
        "Nothing in the titles, descriptions, sectors, tags or policy markers points to customs "
        "or border-agency work.",
    ),
    (
        [derive.READ_FROM_FILE],
        "The activity's IATI file carries this tag of cbcoord's provision catalogue (tag "
        "vocabulary 99).",
    ),
    (
        derive.decided("Border health posts.", "alice", "2026-03-01"),
        "Border health posts. (decided by alice on 2026-03-01)",
    ),
    (
        derive.decided("Border health posts.", "", "2026-03-01"),
        "Border health posts. (decided by the system on 2026-03-01)",
    ),
]


@pytest.mark.parametrize(("item", "sentence"), ENGLISH, ids=lambda value: str(value)[:40])
def test_each_kind_of_item_says_its_sentence_in_english(
    reference: None, item: list[Any], sentence: str
) -> None:
    with translation.override("en"):
        assert evidence.sentences([item]) == [sentence]


def test_the_sentences_follow_the_readers_language(reference: None) -> None:
    items = [
        ["t", "r", 1, "fr", "gestion des risques", "TFA-7.4", "gestion du risque"],
        ["s", "r", 1, "33120", "1", "Trade facilitation"],
        ["m", "r", 0, "3"],
        derive.decided("Puestos fronterizos.", "", "2026-03-01"),
    ]
    with translation.override("es"):
        assert evidence.sentences(items) == [
            "El término «gestion des risques» (francés) aparece en el texto como «gestion du "
            "risque»; remite a TFA-7.4 Gestión del riesgo, que cuenta para la pertinencia "
            "aduanera.",
            "La actividad tiene el código de sector CAD 33120 Facilitación del comercio, lo que "
            "respalda la pertinencia aduanera.",
            "La actividad lleva el marcador de políticas Desarrollo participativo/buena "
            "gobernanza (código 3, importancia no indicada), lo que por sí solo no indica nada "
            "en un sentido ni en otro.",
            "Puestos fronterizos. (decidido por el sistema el 2026-03-01)",
        ]
    with translation.override("fr"):
        assert evidence.sentences([["t", "p", 1, "*", "AEO", "TFA-10.4"], derive.NO_EVIDENCE]) == [
            "Le terme «\u00a0AEO\u00a0» (toutes langues) figure dans le texte, ce qui renvoie à TFA-10.4 "
            "Guichet unique.",
            "Rien dans les titres, descriptions, secteurs, étiquettes ou marqueurs de politique ne "
            "renvoie à un travail des douanes ou des organismes présents aux frontières.",
        ]


def test_sentences_stored_before_the_compact_form_are_shown_as_they_are(
    reference: None,
) -> None:
    old = 'The English term "customs" occurs in the text, a sign of customs or border-agency work.'
    with translation.override("es"):
        assert evidence.sentences([old, ["t", "r", 1, "en", "customs"]]) == [
            old,
            "El término «customs» (inglés) aparece en el texto, un indicio de trabajo de aduanas "
            "o de organismos de frontera.",
        ]


def test_what_is_no_item_is_left_out(reference: None) -> None:
    items: list[Any] = [None, 5, {"kind": "t"}, [], [["t"]], ["x", "r", 1], ["t", "?", 1, "en"]]
    assert evidence.sentences(items) == []
    assert evidence.sentences(None) == []


def test_english_sentences_say_what_the_tagger_explains(reference: None) -> None:
    """Over the labelled development set and codes of every kind, the pages' English is the
    tagger's own explanation (which keeps the sentences of before the compact form)."""
    tagger = Tagger.from_data()
    inputs = [
        TaggingInput(texts=[(row.language, row.title), (row.language, row.description)])
        for row in read_labelled(DEV_SET)
    ]
    inputs.append(
        TaggingInput(
            texts=[("en", "Customs revenue collection"), ("en", "Judges and courts")],
            sectors=[("1", "33120"), ("1", "12220"), ("1", "15114"), ("2", "331")],
            tags=[("99", "CUSTOMS"), ("3", "17.1"), ("3", "16.5")],
            policy_markers=[("4", "2"), ("1", "0"), ("3", "")],
        )
    )
    explained = []
    for found in map(tagger.tag, inputs):
        explained += found.relevance_evidence
        explained += [item for tag in found.provisions for item in tag.evidence]
    assert len({item.kind for item in explained}) == 4
    assert len(explained) > 500
    with translation.override("en"):
        written = evidence.sentences([item.to_data() for item in explained])
    assert written == [item.explanation() for item in explained]


# --------------------------------------------------------------------------- titles


def test_the_titles_of_a_list_are_read_in_one_query(
    reference: None, django_assert_num_queries: Any
) -> None:
    items = [
        ["t", "r", 1, "en", "single window", "TFA-10.4"],
        ["t", "r", 1, "en", "risk management", "TFA-7.4"],
        ["t", "p", 1, "en", "risk management", "TFA-7.4"],
        ["t", "r", 1, "en", "customs"],
    ]
    with django_assert_num_queries(1):
        assert len(evidence.sentences(items)) == 4
    with django_assert_num_queries(0):  # titles at hand
        evidence.sentences(items, {"TFA-10.4": "Single window", "TFA-7.4": "Risk management"})
    with django_assert_num_queries(0):  # no provision named
        evidence.sentences([["t", "r", 1, "en", "customs"], "An old sentence."])
    with django_assert_num_queries(1):  # a code the catalogue does not know: just the code
        assert evidence.sentences([["t", "p", 1, "en", "x", "NOPE-1"]]) == [
            'The English term "x" occurs in the text, which points to NOPE-1.'
        ]


# --------------------------------------------------------------------------- where shown


@pytest.fixture
def window(reference: None, idb: Organisation) -> Activity:
    """An activity the rules find relevant, suggesting TFA-10.4 (single window)."""
    activity = ImportedActivityFactory(
        iati_identifier="XM-DAC-909-SW",
        reporting_org=idb,
        title={"en": "Customs single window"},
    )
    activity.data["descriptions"] = [
        {"type": "1", "narratives": {"en": "Supports the customs administration."}}
    ]
    activity.save()
    services.activities_retag(activity_ids=[activity.pk])
    activity.refresh_from_db()
    return activity


def _column_json(model: Any, column: str, pk: int) -> Any:
    """A row's JSON column as the database holds it (its text, parsed here)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s",  # noqa: S608
            [pk],
        )
        (value,) = cursor.fetchone()
    return json.loads(value) if isinstance(value, str) else value


def test_the_rules_store_compact_items(window: Activity) -> None:
    stored = _column_json(Activity, "relevance_evidence", window.pk)
    tag = ActivityProvision.objects.get(activity=window, provision__code="TFA-10.4")
    tag_stored = _column_json(ActivityProvision, "evidence", tag.pk)
    assert ["t", "r", 1, "en", "customs"] in stored
    assert all(type(item) is list for item in stored + tag_stored)
    assert tag_stored == [["t", "p", 1, "en", "single window", "TFA-10.4"]]


def test_the_activity_page_and_the_queue_show_sentences_in_the_readers_language(
    window: Activity, secretariat: Any, client_for: Callable[[Any], Client]
) -> None:
    client = client_for(secretariat)
    page = client.get("/activities/XM-DAC-909-SW/").content.decode()
    assert "The English term &quot;customs&quot; occurs in the text" in page
    assert "which points to TFA-10.4 Single window." in page
    spanish = client.get("/activities/XM-DAC-909-SW/", HTTP_ACCEPT_LANGUAGE="es")
    html = spanish.content.decode()
    assert "El término «customs» (inglés) aparece en el texto" in html
    assert "lo que remite a TFA-10.4 Ventanilla única." in html
    queue = client.get("/activities/tags/review/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Le terme «\u00a0single window\u00a0» (anglais) figure dans le texte" in queue


def test_the_activity_page_shows_sentences_stored_before(
    window: Activity, client_for: Callable[[Any], Client]
) -> None:
    old = "An older sentence, stored as it was written."
    Activity.objects.filter(pk=window.pk).update(relevance_evidence=[old])
    ActivityProvision.objects.filter(activity=window).update(evidence=[old + " (tag)"])
    page = client_for(None).get("/activities/XM-DAC-909-SW/").content.decode()
    assert old in page and old + " (tag)" in page


def test_the_api_answers_sentences_in_the_callers_language(
    window: Activity, secretariat: Any, client_for: Callable[[Any], Client]
) -> None:
    client = client_for(secretariat)
    english = client.get("/api/activities/XM-DAC-909-SW/tags").json()
    assert (
        'The English term "customs" occurs in the text, a sign of customs or border-agency work.'
        in english["relevance_evidence"]
    )
    spanish = client.get(
        "/api/activities/XM-DAC-909-SW/tags", headers={"Accept-Language": "es"}
    ).json()
    assert (
        "El término «customs» (inglés) aparece en el texto, un indicio de trabajo de aduanas o "
        "de organismos de frontera." in spanish["relevance_evidence"]
    )
    tag = next(item for item in spanish["tags"] if item["provision"] == "TFA-10.4")
    assert tag["evidence"] == [
        "El término «single window» (inglés) aparece en el texto, lo que remite a TFA-10.4 "
        "Ventanilla única."
    ]
    queue = client.get("/api/activity-tags/review", headers={"Accept-Language": "pt"}).json()
    (listed,) = [t for t in queue["items"][0]["tags"] if t["provision"] == "TFA-10.4"]
    assert listed["evidence"] == [
        "O termo “single window” (inglês) aparece no texto, o que remete a TFA-10.4 Guichê único."
    ]
    decided = client.post(
        "/api/activities/XM-DAC-909-SW/relevance",
        {"relevant": False, "reason": "Only software."},
        content_type="application/json",
        headers={"Accept-Language": "fr"},
    ).json()
    assert decided["relevance_evidence"][0].startswith("Only software. (décision\u00a0: ")
    window.refresh_from_db()
    assert window.relevance_evidence[0][:3] == [
        derive.DECIDED,
        "Only software.",
        "alice-secretariat",
    ]


def test_a_page_of_tags_reads_no_title_per_tag(
    window: Activity, django_assert_num_queries: Any
) -> None:
    tags = list(ActivityProvision.objects.filter(activity=window).select_related("provision"))
    assert tags
    with django_assert_num_queries(0):
        for tag in tags:
            assert evidence.tag_sentences(tag)
    with CaptureQueriesContext(connection) as captured:
        evidence.relevance_sentences(window, tags)
    assert len(captured) <= 1


def test_the_back_office_shows_a_tags_evidence_as_sentences(
    window: Activity, client_for: Callable[[Any], Client]
) -> None:
    # The tags' inline opens to Django superusers (it has no secretariat rule of its own).
    admin = UserFactory(username="root", role=Role.SECRETARIAT, is_superuser=True, is_staff=True)
    url = reverse("admin:activities_activity_change", args=[window.pk])
    html = client_for(admin).get(url).content.decode()
    assert (
        "<p>The English term &quot;single window&quot; occurs in the text, which points to "
        "TFA-10.4 Single window.</p>" in html
    )
    assert "[&quot;t&quot;" not in html
