"""Load the six WCO regions, the member administrations and the known partners."""

from __future__ import annotations

from pathlib import Path

import pycountry
from django.utils.text import slugify

from cbcoord.core.reference import LoadReport, ReferenceDataError, read_csv, upsert
from cbcoord.registry.models import (
    Member,
    Organisation,
    OrganisationKind,
    RecipientRegionCover,
    Region,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
# Codes withdrawn from ISO 3166-1 or user-assigned, kept as the WCO list prints them.
NON_ISO_CODES = {"AN", "XK"}


def load_regions(report: LoadReport, data_dir: Path = DATA_DIR) -> None:
    path = data_dir / "regions.csv"
    for _line, row in read_csv(path, required=("code", "name_en")):
        upsert(
            Region,
            lookup={"code": row["code"]},
            values={
                "name_en": row["name_en"],
                "name_es": row.get("name_es", ""),
                "name_fr": row.get("name_fr", ""),
                "name_pt": row.get("name_pt", ""),
                "sort_order": int(row.get("sort_order") or 0),
                "source": row.get("source", ""),
            },
            report=report,
        )


def member_key(name: str, iso_code: str) -> str:
    return f"customs-{iso_code.lower()}" if iso_code else f"customs-{slugify(name)}"


def load_members(report: LoadReport, data_dir: Path = DATA_DIR) -> None:
    path = data_dir / "members.csv"
    regions = {region.code: region for region in Region.objects.all()}
    required = ("region_code", "member_name", "iso3166_alpha2")
    for line, row in read_csv(path, required=required):
        region = regions.get(row["region_code"])
        if region is None:
            raise ReferenceDataError(
                f"{path.name} line {line}: region_code {row['region_code']!r} is not in regions.csv"
            )
        iso_code = row["iso3166_alpha2"].upper()
        if (
            iso_code
            and iso_code not in NON_ISO_CODES
            and pycountry.countries.get(alpha_2=iso_code) is None
        ):
            raise ReferenceDataError(
                f"{path.name} line {line}: iso3166_alpha2 {iso_code!r} is not an ISO 3166-1 code"
            )
        name = row["member_name"]
        organisation = upsert(
            Organisation,
            lookup={"key": member_key(name, iso_code)},
            values={"kind": OrganisationKind.MEMBER_ADMINISTRATION},
            create_only={"name": f"{name} customs administration", "iati_org_type": "10"},
            report=report,
        )
        upsert(
            Member,
            lookup={"organisation": organisation},
            values={
                "region": region,
                "name": name,
                "iso_code": iso_code,
                "member_type": row.get("member_type", ""),
                "membership_date": row.get("membership_date", ""),
                "verification": row.get("verification", ""),
                "source": row.get("source", ""),
                "notes": row.get("notes", ""),
            },
            report=report,
        )


def load_organisations(report: LoadReport, data_dir: Path = DATA_DIR) -> None:
    path = data_dir / "organisations.csv"
    kinds = set(OrganisationKind.values)
    for line, row in read_csv(path, required=("key", "name", "kind")):
        if row["kind"] not in kinds:
            raise ReferenceDataError(f"{path.name} line {line}: unknown kind {row['kind']!r}")
        verification = row.get("verification", "")
        source = row.get("source", "")
        if verification and "UNVERIFIED" in verification.upper():
            source = f"{source} [{verification}]".strip()
        upsert(
            Organisation,
            lookup={"key": row["key"]},
            values={
                "name": row["name"],
                "acronym": row.get("acronym", ""),
                "kind": row["kind"],
                "iati_org_id": row.get("iati_org_id", ""),
                "iati_org_aliases": [
                    alias.strip()
                    for alias in row.get("iati_org_aliases", "").split(";")
                    if alias.strip()
                ],
                "iati_org_type": row.get("iati_org_type", ""),
                "website": row.get("website", ""),
                "source": source,
            },
            report=report,
        )


def load_dac_regions(report: LoadReport, data_dir: Path = DATA_DIR) -> None:
    """The WCO regions and members each DAC recipient region covers (``dac_regions.csv``);
    rows no longer in the file are removed."""
    path = data_dir / "dac_regions.csv"
    regions = {region.code: region for region in Region.objects.all()}
    members = {member.iso_code: member for member in Member.objects.exclude(iso_code="")}
    wanted: set[tuple[str, int]] = set()
    required = ("dac_code", "dac_name", "wco_region", "iso_codes")
    for line, row in read_csv(path, required=required):
        region = regions.get(row["wco_region"])
        if region is None:
            raise ReferenceDataError(
                f"{path.name} line {line}: unknown WCO region {row['wco_region']!r}"
            )
        for iso_code in filter(
            None, (code.strip().upper() for code in row["iso_codes"].split(";"))
        ):
            member = members.get(iso_code)
            if member is None or member.region_id != region.pk:
                raise ReferenceDataError(
                    f"{path.name} line {line}: {iso_code} is not a member of {region.code}"
                )
            wanted.add((row["dac_code"], member.pk))
            upsert(
                RecipientRegionCover,
                lookup={"dac_code": row["dac_code"], "member": member},
                values={
                    "dac_name": row["dac_name"],
                    "region": region,
                    "source": row.get("source", ""),
                },
                report=report,
            )
    for cover in RecipientRegionCover.objects.all():
        if (cover.dac_code, cover.member_id) not in wanted:
            cover.delete()
            report.record("recipientregioncover", "deleted")
