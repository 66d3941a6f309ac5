"""The catalogue's API: provisions searched, a provision's parent and cross-walk."""

from __future__ import annotations

from django.test import Client


def test_provisions_search_and_detail(client: Client, reference: None) -> None:
    items = client.get("/api/provisions", {"instrument": "TFA", "page_size": 100}).json()["items"]
    codes = {item["code"] for item in items}
    assert {"TFA-7", "TFA-7.4", "TFA-10.4"} <= codes
    detail = client.get("/api/provisions/TFA-7.4").json()
    assert detail["parent"] == "TFA-7"
    assert any(related["code"].startswith("RKC-GA-6") for related in detail["related"])
    assert client.get("/api/provisions/TFA-99.9").status_code == 404
