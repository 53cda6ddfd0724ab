"""Load without loss: employees acknowledging while admins watch the tracking dashboard.

Runs in its own virtualenv (requirements/load.txt): locust patches the standard library with
gevent, so it never shares a process with Django. bench/load.py prepares the signed-in
sessions, starts the server, runs this file headless and checks the database afterwards.

Input (env BENCH_SESSIONS): {"employees": [[user_id, session_key], ...], "admins": [key, ...],
"urls": {"acknowledge": ..., "dashboard": ...}, "csrf": token}.
Output (env BENCH_LOAD_OUT): the people whose acknowledgement was answered with success,
and locust's own statistics per request.
"""

from __future__ import annotations

import itertools
import json
import os
from typing import Any

from locust import HttpUser, between, events, task

with open(os.environ["BENCH_SESSIONS"]) as fh:
    SETUP: dict[str, Any] = json.load(fh)

URLS = SETUP["urls"]
CSRF = SETUP["csrf"]
POOL = iter(SETUP["employees"])
ADMINS = itertools.cycle(SETUP["admins"])
ACKED: list[int] = []
REFUSED: list[dict[str, Any]] = []


def headers(session_key: str) -> dict[str, str]:
    return {
        "Cookie": f"csrftoken={CSRF}; sessionid={session_key}",
        "X-CSRFToken": CSRF,
        "User-Agent": "charter-load-test",
    }


class Employee(HttpUser):
    """Opens the acknowledgement page, ticks the box and submits; then the next person."""

    wait_time = between(0.5, 1.5)

    @task
    def acknowledge(self) -> None:
        person = next(POOL, None)
        if person is None:  # everyone in the pool has acknowledged
            self.client.get(
                URLS["guideline"], headers=headers(SETUP["admins"][0]), name="guideline"
            )
            return
        user_id, key = person
        self.client.get(URLS["acknowledge"], headers=headers(key), name="acknowledge page")
        self.client.cookies.clear()
        with self.client.post(
            URLS["acknowledge"],
            data={"confirm": "on"},
            headers=headers(key),
            allow_redirects=False,
            name="acknowledge (POST)",
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code == 302 and "my-guidelines" in location:
                ACKED.append(user_id)
                response.success()
            else:
                REFUSED.append({"user_id": user_id, "status": response.status_code})
                response.failure(f"acknowledge answered {response.status_code} {location}")
        self.client.cookies.clear()


class Admin(HttpUser):
    """Keeps the tracking dashboard open and refreshes it."""

    wait_time = between(2, 5)
    fixed_count = 5

    @task
    def dashboard(self) -> None:
        with self.client.get(
            URLS["dashboard"], headers=headers(next(ADMINS)), name="dashboard", catch_response=True
        ) as response:
            if response.status_code != 200 or "Acknowledged" not in response.text:
                response.failure(f"dashboard answered {response.status_code}")
        self.client.cookies.clear()


@events.test_stop.add_listener
def write_outcome(environment: Any, **_kwargs: Any) -> None:
    stats = []
    for entry in environment.stats.entries.values():
        stats.append(
            {
                "name": f"{entry.method} {entry.name}",
                "count": entry.num_requests,
                "failures": entry.num_failures,
                "median_ms": entry.median_response_time,
                "p95_ms": entry.get_response_time_percentile(0.95),
                "rps": round(entry.total_rps, 1),
            }
        )
    total = environment.stats.total
    with open(os.environ["BENCH_LOAD_OUT"], "w") as fh:
        json.dump(
            {
                "acked": ACKED,
                "refused": REFUSED,
                "stats": stats,
                "requests": total.num_requests,
                "failures": total.num_failures,
                "errors": [
                    {"name": e.name, "error": str(e.error), "count": e.occurrences}
                    for e in environment.stats.errors.values()
                ],
            },
            fh,
        )
