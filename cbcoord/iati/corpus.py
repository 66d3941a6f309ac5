"""Deterministic, schema-valid IATI 2.03 files of customs capacity-building activities.

For benchmarks and load tests: ``generate_corpus(path, n_activities, seed=0)`` streams ``n``
realistic activities (reporting organisations such as XM-DAC-909, 44000, US-GOV-1,
XM-DAC-47066; recipient countries in the Americas; narratives in en/es/fr/pt; 3-5 budgets and
5-10 transactions each; sectors 33120 trade facilitation, 15111, ...) through the writer, about
2.5 KB per activity, with flat memory. Same seed and count give byte-identical files.

Command line: ``python -m cbcoord.iati.corpus OUT N [--seed S]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from cbcoord.iati.records import (
    ActivityDate,
    Budget,
    CodeVocabulary,
    Description,
    OrgRef,
    OtherElement,
    ParsedActivity,
    ParticipatingOrg,
    RecipientCountry,
    Sector,
    Transaction,
    TransactionOrg,
)
from cbcoord.iati.writer import write_activities

__all__ = ["generate_corpus", "iter_corpus_activities", "main"]

GENERATED = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)

# (ref, type, {lang: name})
REPORTING_ORGS: tuple[tuple[str, str, dict[str, str]], ...] = (
    (
        "XM-DAC-909",
        "40",
        {"en": "Inter-American Development Bank", "es": "Banco Interamericano de Desarrollo"},
    ),
    ("44000", "40", {"en": "World Bank", "es": "Banco Mundial", "fr": "Banque mondiale"}),
    ("US-GOV-1", "10", {"en": "U.S. Agency for International Development"}),
    (
        "XM-DAC-47066",
        "40",
        {
            "en": "International Organization for Migration",
            "es": "Organización Internacional para las Migraciones",
        },
    ),
    ("GB-GOV-1", "10", {"en": "UK - Foreign, Commonwealth and Development Office"}),
    ("CA-3", "10", {"en": "Global Affairs Canada", "fr": "Affaires mondiales Canada"}),
    ("XM-DAC-41114", "40", {"en": "United Nations Development Programme"}),
    ("XM-DAC-5-52", "10", {"en": "Deutsche Gesellschaft für Internationale Zusammenarbeit"}),
)

# (code, English name, Spanish/Portuguese/French name, main language, customs administration)
COUNTRIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("MX", "Mexico", "México", "es", "Agencia Nacional de Aduanas de México"),
    ("GT", "Guatemala", "Guatemala", "es", "Superintendencia de Administración Tributaria"),
    ("HN", "Honduras", "Honduras", "es", "Administración Aduanera de Honduras"),
    ("SV", "El Salvador", "El Salvador", "es", "Dirección General de Aduanas"),
    ("NI", "Nicaragua", "Nicaragua", "es", "Dirección General de Servicios Aduaneros"),
    ("CR", "Costa Rica", "Costa Rica", "es", "Servicio Nacional de Aduanas"),
    ("PA", "Panama", "Panamá", "es", "Autoridad Nacional de Aduanas"),
    ("CO", "Colombia", "Colombia", "es", "Dirección de Impuestos y Aduanas Nacionales"),
    ("EC", "Ecuador", "Ecuador", "es", "Servicio Nacional de Aduana del Ecuador"),
    ("PE", "Peru", "Perú", "es", "Superintendencia Nacional de Aduanas"),
    ("BO", "Bolivia", "Bolivia", "es", "Aduana Nacional de Bolivia"),
    ("PY", "Paraguay", "Paraguay", "es", "Dirección Nacional de Ingresos Tributarios"),
    ("AR", "Argentina", "Argentina", "es", "Dirección General de Aduanas"),
    ("CL", "Chile", "Chile", "es", "Servicio Nacional de Aduanas"),
    ("DO", "Dominican Republic", "República Dominicana", "es", "Dirección General de Aduanas"),
    ("BR", "Brazil", "Brasil", "pt", "Receita Federal do Brasil"),
    ("HT", "Haiti", "Haïti", "fr", "Administration Générale des Douanes"),
    ("JM", "Jamaica", "Jamaica", "en", "Jamaica Customs Agency"),
    ("TT", "Trinidad and Tobago", "Trinidad and Tobago", "en", "Customs and Excise Division"),
    ("GY", "Guyana", "Guyana", "en", "Guyana Revenue Authority"),
    ("BZ", "Belize", "Belize", "en", "Customs and Excise Department"),
)

# {lang: title template}; {c} is the country name in that language
TITLES: tuple[dict[str, str], ...] = (
    {
        "en": "Customs modernisation in {c}",
        "es": "Modernización aduanera en {c}",
        "fr": "Modernisation douanière en {c}",
        "pt": "Modernização aduaneira em {c}",
    },
    {
        "en": "Single window for foreign trade, {c}",
        "es": "Ventanilla única de comercio exterior, {c}",
        "fr": "Guichet unique du commerce extérieur, {c}",
        "pt": "Janela única de comércio exterior, {c}",
    },
    {
        "en": "Risk management and post-clearance audit, {c}",
        "es": "Gestión de riesgos y control posterior al despacho, {c}",
        "fr": "Gestion des risques et contrôle a posteriori, {c}",
        "pt": "Gestão de risco e auditoria pós-desembaraço, {c}",
    },
    {
        "en": "Authorised Economic Operator programme, {c}",
        "es": "Programa de Operador Económico Autorizado, {c}",
        "fr": "Programme d'opérateur économique agréé, {c}",
        "pt": "Programa de Operador Econômico Autorizado, {c}",
    },
    {
        "en": "Coordinated border management, {c}",
        "es": "Gestión coordinada de fronteras, {c}",
        "fr": "Gestion coordonnée des frontières, {c}",
        "pt": "Gestão coordenada de fronteiras, {c}",
    },
)

DESCRIPTIONS: dict[str, str] = {
    "en": "Support to customs to implement the WTO Trade Facilitation Agreement: "
    "risk-based controls, advance rulings, training.",
    "es": "Apoyo a la aduana para aplicar el Acuerdo sobre Facilitación del Comercio de la OMC: "
    "gestión de riesgos, formación.",
    "fr": "Appui aux douanes pour mettre en œuvre l'Accord sur la facilitation des échanges de "
    "l'OMC : gestion des risques, formation.",
    "pt": "Apoio à aduana na implementação do Acordo de Facilitação do Comércio da OMC: gestão "
    "de risco, capacitação.",
}

# (primary, secondary) DAC 5-digit sector pairs
SECTOR_PAIRS: tuple[tuple[str, str], ...] = (
    ("33120", "15111"),
    ("33120", "33110"),
    ("33120", "15114"),
    ("33110", "15116"),
    ("33130", "33120"),
    ("15111", "33120"),
)
SPLITS: tuple[tuple[int, int], ...] = ((100, 0), (80, 20), (70, 30), (60, 40), (50, 50))


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low, high) * 100)


def _activity(rng: random.Random, seq: int) -> ParsedActivity:
    org_ref, org_type, org_names = REPORTING_ORGS[rng.randrange(len(REPORTING_ORGS))]
    code, name_en, name_local, local_lang, administration = COUNTRIES[rng.randrange(len(COUNTRIES))]
    template = TITLES[rng.randrange(len(TITLES))]
    langs = ["en"] if local_lang == "en" else ["en", local_lang]
    if rng.random() < 0.3:
        extra = rng.choice([lang for lang in ("es", "fr", "pt") if lang not in langs])
        langs.append(extra)
    title = {
        lang: template[lang].format(c=name_en if lang == "en" else name_local) for lang in langs
    }
    description = {langs[-1]: DESCRIPTIONS[langs[-1]]}

    start_year = 2015 + rng.randrange(10)
    start = dt.date(start_year, 1 + rng.randrange(12), 1)
    years = 3 + rng.randrange(3)
    end = dt.date(start_year + years, start.month, 1) - dt.timedelta(days=1)

    primary, secondary = SECTOR_PAIRS[rng.randrange(len(SECTOR_PAIRS))]
    first, second = SPLITS[rng.randrange(len(SPLITS))]
    sectors = [Sector(primary, "1", None, Decimal(first), {})]
    if second:
        sectors.append(Sector(secondary, "1", None, Decimal(second), {}))

    n_budgets = 3 + rng.randrange(3)
    budgets = []
    for year in range(n_budgets):
        period_start = dt.date(start_year + year, 1, 1)
        budgets.append(
            Budget(
                type="1",
                status="2" if start_year + year < 2026 else "1",
                period_start=period_start,
                period_end=dt.date(start_year + year, 12, 31),
                value=_money(rng, 1_000, 50_000),
                currency=None,
                value_date=period_start,
            )
        )

    total = sum((b.value or Decimal(0) for b in budgets), Decimal(0))
    implementer = TransactionOrg(None, "10", None, {local_lang: administration})
    n_transactions = 5 + rng.randrange(6)
    transactions = []
    for i in range(n_transactions):
        if i == 0:
            kind, value, day = "2", total, start
        else:
            kind = "3" if i % 3 else "4"
            value = _money(rng, 500, 20_000)
            day = start + dt.timedelta(days=90 * i + rng.randrange(60))
        transactions.append(
            Transaction(
                ref=None,
                humanitarian=None,
                type=kind,
                date=day,
                value=value,
                currency=None,
                value_date=day,
                description={},
                provider_org=None,
                receiver_org=implementer if kind == "3" and i == 1 else None,
                disbursement_channel=None,
                sectors=[],
                recipient_country=None,
                recipient_region=None,
                flow_type=None,
                finance_type=None,
                aid_types=[],
                tied_status=None,
            )
        )

    status = "2" if end.year >= 2026 else "3"
    contact = (
        '<contact-info type="1"><organisation><narrative>'
        f"{org_names['en']}</narrative></organisation>"
        f"<email>customs-{code.lower()}@example.org</email></contact-info>"
    )
    return ParsedActivity(
        iati_identifier=f"{org_ref}-CB-{code}-{seq:07d}",
        reporting_org=OrgRef(org_ref, org_type, dict(org_names)),
        default_language="en",
        default_currency="USD",
        last_updated_datetime=GENERATED - dt.timedelta(days=rng.randrange(400)),
        hierarchy=1,
        title=title,
        descriptions=[Description("1", description)],
        participating_orgs=[
            ParticipatingOrg(org_ref, org_type, "1", None, None, {}),
            ParticipatingOrg(None, "10", "4", None, None, {local_lang: administration}),
        ],
        activity_status=status,
        activity_dates=[
            ActivityDate("2", start + dt.timedelta(days=rng.randrange(90)), {}),
            ActivityDate("3", end, {}),
        ],
        recipient_countries=[RecipientCountry(code, Decimal(100), {})],
        sectors=sectors,
        collaboration_type="1" if org_type == "10" else "2",
        default_flow_type="10",
        default_finance_type="110",
        default_aid_types=[CodeVocabulary("C01", "1")],
        default_tied_status="5",
        budgets=budgets,
        transactions=transactions,
        other_elements=[OtherElement("contact-info", contact)] if seq % 5 == 1 else [],
    )


def iter_corpus_activities(n_activities: int, *, seed: int = 0) -> Iterator[ParsedActivity]:
    """The activities of ``generate_corpus``, one at a time."""
    rng = random.Random(seed)
    for seq in range(1, n_activities + 1):
        yield _activity(rng, seq)


def generate_corpus(path: str | Path, n_activities: int, *, seed: int = 0) -> int:
    """Write ``n_activities`` activities to ``path``; return the count written."""
    with open(path, "wb") as out:
        return write_activities(
            iter_corpus_activities(n_activities, seed=seed),
            out,
            generated_datetime=GENERATED,
            pretty_print=False,
            # valid by construction (tests/iati/test_corpus.py): no export report in the file,
            # which stays the same bytes for the same seed
            validate=False,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cbcoord.iati.corpus",
        description="Write a deterministic IATI 2.03 file of customs capacity-building activities.",
    )
    parser.add_argument("out", type=Path, help="file to write")
    parser.add_argument("n", type=int, help="number of activities")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    count = generate_corpus(args.out, args.n, seed=args.seed)
    size = args.out.stat().st_size
    print(f"{args.out}: {count} activities, {size} bytes ({size / max(count, 1):.0f} per activity)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
