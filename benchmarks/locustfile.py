"""The load scenario: parents saving consent while staff look people up, at the same time.

Started by `python -m benchmarks load` (benchmarks/load.py), which logs the users in,
writes their sessions to LOAD_SESSIONS and serves the application with gunicorn. The
cookies are set by hand: with DEBUG off they are Secure, which a client does not send back
over the plain HTTP of this machine.
"""

import json
import os
import random
import re

from locust import HttpUser, between, task

SESSIONS = json.loads(open(os.environ["LOAD_SESSIONS"]).read())  # noqa: SIM115
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class LoggedIn(HttpUser):
    abstract = True
    pool: list[dict] = []

    def on_start(self):
        self.me = self.pool.pop() if self.pool else random.choice(SESSIONS[self.kind])  # nosec B311
        self.client.cookies.set(SESSIONS["cookie_name"], self.me["session"])

    def keep_csrf(self, response):
        token = response.cookies.get("csrftoken")
        if token:
            self.client.cookies.set("csrftoken", token)


class Parent(LoggedIn):
    """Opens the consent page, changes one answer, and sees the page again."""

    kind = "parents"
    weight = 9
    wait_time = between(2, 6)
    pool = list(SESSIONS["parents"])

    @task
    def change_an_answer(self):
        with self.client.get("/my/", name="GET /my/ (consent page)", catch_response=True) as page:
            self.keep_csrf(page)
            token = CSRF.search(page.text)
            if token is None:
                page.failure(f"no form on the consent page: {page.status_code} {page.url}")
                return
        answer = random.choice(["yes", "no"])  # nosec B311 (a load pattern, not a secret)
        self.client.post(
            f"/my/{self.me['child']}/",
            {"csrfmiddlewaretoken": token.group(1), self.me["field"]: answer},
            headers={"Referer": self.host + "/my/"},
            name="POST /my/<key>/ (save, then the page again)",
        )


class Staff(LoggedIn):
    """Searches as they type, then opens one person's verdicts."""

    kind = "staff"
    weight = 1
    wait_time = between(1, 3)
    pool = list(SESSIONS["staff"])

    @task(4)
    def search(self):
        term = random.choice(SESSIONS["terms"])  # nosec B311
        self.client.get(
            "/communications/people/",
            params={"q": term},
            headers={"HX-Request": "true"},
            name="GET /communications/people/?q= (lookup)",
        )

    @task(1)
    def person(self):
        person = random.choice(SESSIONS["people"])  # nosec B311
        self.client.get(
            f"/communications/people/{person}/", name="GET /communications/people/<id>/"
        )
