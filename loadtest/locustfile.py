"""The load test's traffic: 60 % anonymous readers, 20 % secretariat, 20 % partner editors.

Run by ``python -m loadtest`` (``loadtest/run.py``), which passes the accounts and the corpus
size in the environment. Requests are grouped under names such as ``/activities/[id]/``, not
one per URL. Only ever aimed at 127.0.0.1: the users refuse any other host.
"""

from __future__ import annotations

import os
import random
import re
import time
from typing import Any
from urllib.parse import quote, urlsplit

from locust import HttpUser, between, task

ACTIVITIES = int(os.environ.get("LOADTEST_ACTIVITIES", "100000"))
PAGE_SIZE = 50  # the activity list's page (cbcoord.activities.views.PAGE_SIZE)
API_PAGE_SIZE = 50  # NINJA_PAGINATION_PER_PAGE

# Filters whose values the generated corpus holds (cbcoord.iati.corpus).
FILTERS = (
    "region=AMC",
    "country=DO",
    "country=MX",
    "country=CO",
    "status=2",
    "status=3",
    "partner=idb",
    "partner=worldbank",
    "sector=33120",
    "region=AMC&status=2",
    "country=GT&status=3",
)
SEARCHES = ("customs", "aduanas", "risk management", "single window")

DETAIL_LINK = re.compile(r'href="(/activities/(?!new/)[^"?#]+/)"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
IMPORT_LINK = re.compile(r'href="(/imports/\d+/)"')

# Activity pages seen so far, shared by the users of this process (gevent: one thread).
seen_details: list[str] = []
MAX_SEEN = 2000


def _remember(html: str) -> None:
    for path in DETAIL_LINK.findall(html):
        if len(seen_details) < MAX_SEEN:
            seen_details.append(path)
        else:
            seen_details[random.randrange(MAX_SEEN)] = path


def _list_page() -> int:
    """Mostly the first pages, as people read; now and then any page (a crawler)."""
    last = max(1, -(-ACTIVITIES // PAGE_SIZE))
    return random.randint(1, min(10, last)) if random.random() < 0.8 else random.randint(1, last)


def _check(response: Any, *expected: int) -> None:
    if response.status_code not in (expected or (200,)):
        response.failure(f"HTTP {response.status_code}: {response.text[:200]!r}")


class Reader(HttpUser):
    """What everyone reads; the base of the three kinds of users."""

    abstract = True
    wait_time = between(0.5, 2.5)

    def on_start(self) -> None:
        host = urlsplit(self.host or "")
        if host.scheme != "http" or host.hostname != "127.0.0.1":
            raise RuntimeError(f"the load test only targets http://127.0.0.1, not {self.host!r}")

    def get(self, path: str, name: str, **kwargs: Any) -> Any:
        with self.client.get(path, name=name, catch_response=True, **kwargs) as response:
            _check(response)
            return response

    def activity_list(self) -> None:
        response = self.get(f"/activities/?page={_list_page()}", "/activities/?page=N")
        _remember(response.text)

    def activity_list_filtered(self) -> None:
        query = f"{random.choice(FILTERS)}&page={random.randint(1, 3)}"
        if random.random() < 0.5:  # the page's own filter form, through htmx
            headers = {"HX-Request": "true", "HX-Target": "activity-results"}
            response = self.get(
                f"/activities/?{query}", "/activities/?filter (htmx)", headers=headers
            )
        else:
            response = self.get(f"/activities/?{query}", "/activities/?filter")
        _remember(response.text)

    def activity_search(self) -> None:
        query = quote(random.choice(SEARCHES))
        _remember(self.get(f"/activities/?q={query}", "/activities/?q=text").text)

    def activity_detail(self) -> None:
        if not seen_details:
            self.activity_list()
        if seen_details:
            self.get(random.choice(seen_details), "/activities/[id]/")


class Anonymous(Reader):
    weight = 60

    @task(3)
    def home(self) -> None:
        self.get("/", "/")

    @task(6)
    def list_pages(self) -> None:
        self.activity_list()

    @task(5)
    def list_filtered(self) -> None:
        self.activity_list_filtered()

    @task(1)
    def search(self) -> None:
        self.activity_search()

    @task(8)
    def detail(self) -> None:
        self.activity_detail()

    @task(1)
    def regions(self) -> None:
        self.get("/regions/", "/regions/")

    @task(1)
    def region(self) -> None:
        self.get("/regions/AMC/", "/regions/[code]/")

    @task(1)
    def partners(self) -> None:
        self.get("/partners/", "/partners/")

    @task(1)
    def catalogue(self) -> None:
        self.get("/catalogue/", "/catalogue/")

    @task(3)
    def api_list(self) -> None:
        last = max(1, -(-ACTIVITIES // API_PAGE_SIZE))
        page = (
            random.randint(1, min(10, last)) if random.random() < 0.8 else random.randint(1, last)
        )
        self.get(f"/api/activities?page={page}", "/api/activities?page=N")


class SignedIn(Reader):
    abstract = True
    username_variable = ""
    password_variable = ""

    def on_start(self) -> None:
        super().on_start()
        self.log_in()

    def log_in(self) -> None:
        form = self.get("/accounts/login/", "/accounts/login/")
        token = CSRF_FIELD.search(form.text)
        with self.client.post(
            "/accounts/login/",
            data={
                "username": os.environ[self.username_variable],
                "password": os.environ[self.password_variable],
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "next": "/",
            },
            name="/accounts/login/",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "sessionid" not in self.client.cookies:
                response.failure(f"not logged in: HTTP {response.status_code}")


class Secretariat(SignedIn):
    weight = 20
    username_variable = "LOADTEST_SECRETARIAT_USER"
    password_variable = "LOADTEST_SECRETARIAT_PASSWORD"

    @task(1)
    def home(self) -> None:
        self.get("/", "/")

    @task(4)
    def list_pages(self) -> None:
        self.activity_list()

    @task(3)
    def list_filtered(self) -> None:
        self.activity_list_filtered()

    @task(6)
    def detail(self) -> None:
        self.activity_detail()

    @task(2)
    def imports(self) -> None:
        runs = IMPORT_LINK.findall(self.get("/imports/", "/imports/").text)
        if runs:
            self.get(random.choice(runs), "/imports/[id]/")


class PartnerEditor(SignedIn):
    """Works through the session API on its own organisation's activities (the IDB's)."""

    weight = 20
    username_variable = "LOADTEST_PARTNER_USER"
    password_variable = "LOADTEST_PARTNER_PASSWORD"
    organisation = "idb"

    def on_start(self) -> None:
        self.own: list[str] = []
        super().on_start()

    def api_own(self) -> None:
        page = random.randint(1, 5)
        response = self.get(
            f"/api/activities?partner={self.organisation}&page={page}",
            "/api/activities?partner=&page=N",
        )
        if response.status_code == 200:
            items = response.json().get("items", [])
            self.own = [
                item["iati_identifier"]
                for item in items
                if item.get("reporting_org") == self.organisation
            ] or self.own

    @task(4)
    def list_own(self) -> None:
        self.api_own()

    @task(2)
    def list_all(self) -> None:
        self.get(f"/api/activities?page={random.randint(1, 10)}", "/api/activities?page=N")

    @task(5)
    def detail(self) -> None:
        if not self.own:
            self.api_own()
        if self.own:
            identifier = quote(random.choice(self.own), safe="")
            self.get(f"/api/activities/{identifier}", "/api/activities/[id]")

    @task(2)
    def edit(self) -> None:
        """A small, valid hand edit: the English description of one of its activities."""
        if not self.own:
            self.api_own()
        if not self.own:
            return
        identifier = quote(random.choice(self.own), safe="")
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with self.client.patch(
            f"/api/activities/{identifier}",
            json={"description": {"en": f"Edited by the load test at {stamp}."}},
            headers={"X-CSRFToken": self.client.cookies.get("csrftoken", "")},
            name="/api/activities/[id]",
            catch_response=True,
        ) as response:
            _check(response)
