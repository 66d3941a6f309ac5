"""Match organisations met in IATI files to the registry; create the unknown ones unverified."""

from __future__ import annotations

from django.utils.text import slugify

from cbcoord.registry.models import Organisation, OrganisationKind


class OrganisationMatcher:
    """Per-run cache: by IATI identifier (or alias) first, else by exact name. Never merges."""

    def __init__(self) -> None:
        self.by_ref: dict[str, Organisation] = {}
        self.by_name: dict[str, Organisation] = {}
        self.keys: set[str] = set()
        self.created: list[Organisation] = []
        for organisation in Organisation.objects.all():
            self._remember(organisation)

    def _remember(self, organisation: Organisation) -> None:
        self.keys.add(organisation.key)
        if organisation.iati_org_id:
            self.by_ref[organisation.iati_org_id] = organisation
        for alias in organisation.iati_org_aliases or []:
            self.by_ref.setdefault(alias, organisation)
        self.by_name.setdefault(organisation.name, organisation)

    def match(
        self, *, ref: str | None, name: str, org_type: str | None, role: str | None = None
    ) -> Organisation | None:
        ref = (ref or "").strip()[:150]  # as stored (Organisation.iati_org_id, .name)
        name = name.strip()[:300]
        if ref and ref in self.by_ref:
            return self.by_ref[ref]
        if name and name in self.by_name:
            found = self.by_name[name]
            # A name match must not hide a different identifier: two organisations, not one.
            if not ref or not found.iati_org_id or found.iati_org_id == ref:
                return found
        if not ref and not name:
            return None
        return self._create(ref=ref, name=name or ref, org_type=org_type, role=role)

    def _create(
        self, *, ref: str, name: str, org_type: str | None, role: str | None
    ) -> Organisation:
        # Something else may have created it since this cache was filled (an edit in the back
        # office; imports themselves take turns).
        since = (
            Organisation.objects.filter(iati_org_id=ref).first()
            if ref
            else Organisation.objects.filter(name=name[:300]).first()
        )
        if since is not None:
            self._remember(since)
            return since
        base = slugify(ref or name)[:70] or "organisation"
        key, counter = base, 1
        while key in self.keys or Organisation.objects.filter(key=key).exists():
            counter += 1
            key = f"{base}-{counter}"
        organisation = Organisation.objects.create(
            key=key,
            name=name[:300],
            kind=OrganisationKind.IMPLEMENTER
            if role == "4"
            else OrganisationKind.DEVELOPMENT_PARTNER,
            iati_org_id=ref[:150],
            iati_org_type=(org_type or "")[:10],
            is_verified=False,
            source="Created by an IATI import; to be reviewed by the secretariat.",
        )
        self.created.append(organisation)
        self._remember(organisation)
        return organisation
