"""The rule-based tagger: hand-picked cases in each language, evidence, data files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cbcoord.tagging.data import DEFAULT_DATA_DIR, DataFileError
from cbcoord.tagging.engine import Evidence, Tagger, TaggingInput, TaggingResult
from cbcoord.tagging.text import detect_language, fold, tokenize


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger.from_data()


def tag(
    tagger: Tagger, language: str, title: str, description: str = "", **kw: object
) -> TaggingResult:
    texts = [(language, title)] + ([(language, description)] if description else [])
    return tagger.tag(TaggingInput(texts=texts, **kw))  # type: ignore[arg-type]


def codes(result: TaggingResult) -> list[str]:
    return [p.code for p in result.provisions]


def evidence_for(result: TaggingResult, code: str) -> list[Evidence]:
    return next(p.evidence for p in result.provisions if p.code == code)


# ----------------------------------------------------------------------------- Spanish


def test_spanish_single_window_names_ventanilla_unica(tagger: Tagger) -> None:
    result = tag(
        tagger,
        "es",
        "Programa de apoyo a la Ventanilla Única de Comercio Exterior",
        "Interconexión de la aduana y de los ministerios que emiten permisos de importación.",
    )
    assert result.relevant
    assert "TFA-10.4" in codes(result)
    terms = evidence_for(result, "TFA-10.4")
    assert any(e.kind == "term" and "ventanilla única" in e.term for e in terms)
    first = terms[0]
    assert first.language == "es"
    assert "Spanish" in first.explanation()
    assert "TFA-10.4 Single window" in first.explanation()


def test_spanish_text_with_english_acronym_aeo(tagger: Tagger) -> None:
    result = tag(
        tagger, "es", "Programa AEO de la aduana", "Certificación de empresas y reconocimiento."
    )
    assert result.relevant
    assert "SAFE-P2-S3" in codes(result)
    assert any(e.term.lower() == "aeo" for e in evidence_for(result, "SAFE-P2-S3"))


def test_spanish_disaster_risk_management_is_not_customs(tagger: Tagger) -> None:
    result = tag(
        tagger,
        "es",
        "Gestión del riesgo de desastres",
        "Fortalecimiento de la gestión del riesgo de desastres en municipios costeros.",
    )
    assert not result.relevant
    assert result.provisions == []


# ----------------------------------------------------------------------------- French


def test_french_aeo_and_post_clearance_audit(tagger: Tagger) -> None:
    result = tag(
        tagger,
        "fr",
        "Appui à la Direction générale des douanes",
        "Mise en place du statut d'opérateur économique agréé et d'une cellule de contrôle "
        "après dédouanement.",
    )
    assert result.relevant
    assert {"SAFE-P2-S3", "TFA-7.5"} <= set(codes(result))


def test_french_police_border_security_is_not_relevant(tagger: Tagger) -> None:
    result = tag(
        tagger,
        "fr",
        "Appui à la police aux frontières",
        "Formation de la police aux frontières à la détection de faux documents de voyage.",
    )
    assert not result.relevant
    assert any(e.weight < 0 for e in result.relevance_evidence)


def test_french_business_one_stop_shop_is_not_a_single_window(tagger: Tagger) -> None:
    result = tag(
        tagger,
        "fr",
        "Réforme du climat des affaires et douanes",
        "Appui au guichet unique de création d'entreprises et à la douane.",
    )
    assert "TFA-10.4" not in codes(result)


# ----------------------------------------------------------------------------- Portuguese


def test_portuguese_accent_insensitive(tagger: Tagger) -> None:
    accented = tag(tagger, "pt", "Apoio à alfândega", "Janela única eletrónica para o comércio.")
    plain = tag(tagger, "pt", "Apoio a alfandega", "Janela unica eletronica para o comercio.")
    assert accented.relevant and plain.relevant
    assert codes(accented) == codes(plain) == ["TFA-10.4"]
    assert accented.relevance_score == pytest.approx(plain.relevance_score)


def test_portuguese_post_clearance_audit_and_plural_forms(tagger: Tagger) -> None:
    result = tag(
        tagger,
        "pt",
        "Decisões antecipadas e auditoria pós-desembaraço",
        "Apoio às alfândegas na emissão de decisões antecipadas.",
    )
    assert {"TFA-3", "TFA-7.5"} <= set(codes(result))


# ----------------------------------------------------------------------------- English


def test_ipr_seminar_for_judges_coded_trade_facilitation_is_not_relevant(tagger: Tagger) -> None:
    result = tag(
        tagger,
        "en",
        "IPR seminar for judges",
        "Seminar for judges and prosecutors on intellectual property rights and patent disputes.",
        sectors=[("1", "33120")],
    )
    assert not result.relevant
    assert result.provisions == []
    sector = next(e for e in result.relevance_evidence if e.kind == "sector")
    assert sector.detail == "DAC sector 33120 Trade facilitation"
    assert sector.weight > 0
    assert "supports customs relevance" in sector.explanation()


def test_sector_code_alone_does_not_make_an_activity_relevant(tagger: Tagger) -> None:
    result = tagger.tag(TaggingInput(sectors=[("1", "33120")]))
    assert not result.relevant
    assert 0 < result.relevance_score < 0.5


def test_customs_reform_coded_revenue_mobilisation_is_relevant(tagger: Tagger) -> None:
    result = tag(
        tagger,
        "en",
        "Revenue administration reform",
        "Strengthens customs valuation controls and duty collection.",
        sectors=[("1", "15114")],
    )
    assert result.relevant
    assert codes(result)[0] == "THEME-REVENUE"
    kinds = {e.kind for e in evidence_for(result, "THEME-REVENUE")}
    assert kinds == {"term", "sector"}


def test_most_specific_provision_wins_but_broad_text_gets_the_parent(tagger: Tagger) -> None:
    specific = tag(
        tagger,
        "en",
        "Customs release and clearance of goods",
        "Introduces risk management and selectivity in customs.",
    )
    assert "TFA-7.4" in codes(specific)
    assert "TFA-7" not in codes(specific)
    broad = tag(tagger, "en", "Customs release and clearance of goods")
    assert codes(broad) == ["TFA-7"]


def test_stem_collisions_are_avoided(tagger: Tagger) -> None:
    # "transition" is not "transit"; "customer" is not "customs".
    result = tag(
        tagger,
        "en",
        "Customs valuation",
        "Supports the transition from pre-shipment inspection to customs valuation.",
    )
    assert "TFA-11" not in codes(result)
    assert not tag(tagger, "en", "Customer service training for bank staff").relevant


def test_unknown_language_is_detected(tagger: Tagger) -> None:
    result = tag(tagger, "", "Modernización de la aduana", "Gestión de riesgos en las aduanas.")
    assert result.languages == ["es"]
    assert "TFA-7.4" in codes(result)
    assert detect_language(tokenize("la douane et les importateurs")) == "fr"
    assert detect_language(tokenize("as alfândegas e os importadores")) == "pt"
    assert detect_language(tokenize("the customs and the importers")) == "en"
    assert detect_language(tokenize("ASYCUDA")) == ""


def test_a_wrongly_declared_language_is_corrected(tagger: Tagger) -> None:
    # IATI narratives without xml:lang inherit the activity's default language.
    result = tag(
        tagger,
        "en",
        "Apoyo a la aduana",
        "Fortalecimiento de la gestión de riesgos en las aduanas del país.",
    )
    assert "es" in result.languages
    assert "TFA-7.4" in codes(result)


def test_fold_removes_accents_and_case() -> None:
    assert fold("Alfândega ÉCONOMIQUE") == "alfandega economique"


def test_tags_and_policy_markers(tagger: Tagger) -> None:
    base = tag(tagger, "en", "Border project", "Support to the border post.")
    marked = tag(
        tagger,
        "en",
        "Border project",
        "Support to the border post.",
        tags=[("99", "CUSTOMS")],
        policy_markers=[("4", "2"), ("1", "0")],
    )
    assert marked.relevance_score > base.relevance_score
    kinds = {e.kind for e in marked.relevance_evidence}
    assert {"tag", "policy-marker"} <= kinds
    marker = next(e for e in marked.relevance_evidence if e.kind == "policy-marker")
    assert marker.code == "4" and marker.significance == "2"
    assert marker.name == "Trade Development"
    assert "policy marker" in marker.explanation()


def test_result_shape(tagger: Tagger) -> None:
    result = tag(
        tagger,
        "en",
        "Customs modernisation",
        "Single window, post-clearance audit and a time release study for the customs service.",
    )
    confidences = [p.confidence for p in result.provisions]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0 <= c <= 1 for c in confidences)
    assert 0.5 <= result.relevance_score <= 1
    for p in result.provisions:
        assert p.title
        for e in p.evidence:
            sentence = e.explanation()
            assert sentence.endswith(".") and e.term in sentence
    assert all(e.to_dict()["explanation"] for e in result.relevance_evidence)


# ----------------------------------------------------------------------------- data files


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


def test_a_coordinator_can_add_a_term(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    with (data / "vocabulary.csv").open("a", encoding="utf-8") as f:
        f.write("TFA-10.8,en,bounced consignments,0.9\n")
    tagger = Tagger.from_data(data)
    result = tagger.tag(TaggingInput(texts=[("en", "Customs rules for bounced consignments")]))
    assert "TFA-10.8" in codes(result)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("TFA-99,en,something,0.5", "column 'provision_code': unknown provision 'TFA-99'"),
        ("TFA-3,de,Vorabauskunft,0.5", "column 'language': 'de' is not one of"),
        ("TFA-3,en,advance ruling,high", "column 'weight': 'high' is not a number"),
        ("TFA-3,en,of the,0.5", "column 'term': term 'of the' has no content words"),
    ],
)
def test_bad_vocabulary_rows_are_named(tmp_path: Path, row: str, message: str) -> None:
    data = _copy_data(tmp_path)
    path = data / "vocabulary.csv"
    lines = path.read_text(encoding="utf-8").splitlines() + [row]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = f"vocabulary.csv line {len(lines)}, {message}"
    with pytest.raises(DataFileError) as error:
        Tagger.from_data(data)
    assert str(error.value).startswith(expected)


def test_the_shipped_data_loads_and_covers_every_tfa_measure(tagger: Tagger) -> None:
    covered = {t.provision for t in tagger.vocabulary if t.weight > 0}
    tfa_measures = {
        code
        for code, p in tagger.catalogue.items()
        if p.instrument == "TFA"
        and not any(c.parent_code == code for c in tagger.catalogue.values())
    }
    assert tfa_measures - covered == set()
    languages = {t.language for t in tagger.vocabulary}
    assert {"en", "es", "fr", "pt"} <= languages
