"""Parents as HTTP clients in threads: each logs in (a session as `force_login` makes it) and
saves one answer after another through the real form, noting every response."""

import http.client
import os
import re
import threading
import time
from collections import Counter


def parents(count: int, school_name: str):
    """`count` guardians, each with one child of 13 at a new school, nobody answered yet."""
    from benchmarks.campaign import make_board

    board = make_board(school_name, count)
    from consents.models import Guardian

    return board, list(Guardian.objects.filter(user__email__startswith=f"{school_name}.")
                       .select_related("user").order_by("pk"))  # fmt: skip


class Parent(threading.Thread):
    """Logs in (a session as force_login makes it) and saves one answer after another."""

    def __init__(self, guardian, port: int, stop: threading.Event):
        super().__init__(daemon=True)
        from django.conf import settings
        from django.test import Client

        from consents.models import Purpose

        client = Client()
        client.force_login(guardian.user)
        self.cookie = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
        child = guardian.guardianships.select_related("student").first().student
        purpose = Purpose.objects.filter(board_id=child.board_id).order_by("pk").first()
        self.path = f"/my/{child.key}/"
        self.field = f"consent:{purpose.code}:photo"
        self.port, self.stop = port, stop
        self.outcomes: Counter = Counter()
        self.saved = 0
        self.bad_pages: list[str] = []
        self.page_503 = ""
        self.other_pages: list[str] = []

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers={"Cookie": self.cookie,
                                                                 **(headers or {})})  # fmt: skip
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace"), response
        finally:
            connection.close()

    def csrf(self) -> str | None:
        status, page, response = self.request("GET", "/my/")
        if status != 200:
            self.note(status, page)
            return None
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("csrftoken="):
                self.cookie = re.sub(r"; csrftoken=[^;]*", "", self.cookie)
                self.cookie += "; " + header.split(";")[0]
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        return match.group(1) if match else None

    def note(self, status: int, page: str):
        self.outcomes[status] += 1
        if status >= 500 and ("Traceback" in page or 'File "' in page):
            self.bad_pages.append(page[:500])
        if status == 503:
            self.page_503 = page
        elif status not in (200, 302):
            self.other_pages.append(f"{status}: {page_text(page)[:300]}")

    def run(self):
        answer = "yes"
        token = None
        while not self.stop.is_set():
            try:
                token = token or self.csrf()
                if token is None:
                    time.sleep(0.5)
                    continue
                body = f"csrfmiddlewaretoken={token}&{self.field}={answer}"
                status, page, _ = self.request(
                    "POST", self.path, body,
                    {"Content-Type": "application/x-www-form-urlencoded", "Referer": "http://127.0.0.1/"},
                )  # fmt: skip
                self.note(status, page)
                if status == 302:
                    self.saved += 1
                    answer = "no" if answer == "yes" else "yes"
                elif status == 403:
                    token = None
            except OSError as error:
                self.outcomes[type(error).__name__] += 1
            time.sleep(0.2)


def parents_run(guardians, port, seconds_before, outage, seconds_after):
    stop = threading.Event()
    threads = [Parent(g, port, stop) for g in guardians]
    for thread in threads:
        thread.start()
    time.sleep(seconds_before)
    started = time.monotonic()
    outage.begin()
    time.sleep(float(os.environ.get("FAULT_OUTAGE", 60)))
    outage.end()
    ended = time.monotonic()
    time.sleep(seconds_after)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    total = Counter()
    for thread in threads:
        total.update(thread.outcomes)
    return threads, total, ended - started


def page_status(port: int, path: str) -> int:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return 0


def page_text(page: str) -> str:
    main = re.search(r"<main.*?</main>", page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", main.group(0) if main else page).split())
