"""``make bench-sitting`` in miniature: the work beside the benches starts and is counted
(while it runs too), a custom command with its own arguments has its exit code and time
recorded, the second lane runs its steps, and a step that hangs is ended without stopping
the sitting. Every step here is a tiny command standing in for a bench."""

from __future__ import annotations

import json
import shlex
import sys
import time

import pytest

from bench import report, sitting

QUICK = [sys.executable, "-c", "print('a bench step')"]


@pytest.fixture
def quiet_sitting(tmp_path, monkeypatch):
    """A sitting whose logs and figures go to ``tmp_path``, with no head start."""
    monkeypatch.setattr(sitting, "LOGS", tmp_path / "logs")
    monkeypatch.setattr(sitting, "SITTING", tmp_path / "sitting.json")
    monkeypatch.setattr(sitting, "TESTS_HEAD_START", 0)
    monkeypatch.setattr(report, "write", lambda *a, **k: None)
    (tmp_path / "logs").mkdir()
    return tmp_path


def _wait_for(predicate, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)


def test_a_custom_command_beside_is_counted_with_its_exit_code_and_time(quiet_sitting):
    command = shlex.split("sh -c 'sleep 0.3; echo \"3 passed in 0.3s\"; exit 3'")
    beside = sitting.TestsBeside(command, once=True, log=lambda _m: None)
    beside.prepare()
    try:
        beside.start()
        beside.join(60)
        [run] = beside.snapshot()
    finally:
        beside.stop()
    assert run["exit"] == 3 and not run["running"]
    assert run["seconds"] >= 0.3 and run["summary"] == "3 passed in 0.3s"


def test_a_run_still_going_counts_and_is_recorded_as_stopped(quiet_sitting):
    beside = sitting.TestsBeside(["sleep", "60"], once=False, log=lambda _m: None)
    beside.prepare()
    beside.start()
    _wait_for(lambda: beside.proc is not None)
    [going] = beside.snapshot()
    assert going["running"] and going["exit"] is None and going["seconds"] >= 0
    beside.stop()
    [run] = beside.snapshot()
    assert not run["running"] and run["stopped_when_benches_ended"] and run["exit"] != 0


def test_a_sitting_runs_both_lanes_counts_the_work_beside_and_ends_a_hung_step(
    quiet_sitting, monkeypatch
):
    hang = [sys.executable, "-c", "import time; time.sleep(120)"]
    monkeypatch.setattr(
        sitting,
        "commands",
        lambda args: {step: hang if step == "cluster" else QUICK for step in sitting.STEPS},
    )
    started = time.monotonic()
    rc = sitting.main(
        [
            "--no-template",
            "--only", "run",
            "--only", "cluster",
            "--only", "audit",
            "--parallel", "audit",
            "--step-timeout", "0.05",
            "--test-once",
            "--test-command", "sh -c 'echo \"1 passed in 0.1s\"'",
        ]
    )  # fmt: skip
    assert time.monotonic() - started < 60  # the hung step was ended after 3 s
    res = json.loads((quiet_sitting / "sitting.json").read_text())
    steps = {s["step"]: s for s in res["steps"]}
    assert res["lanes"] == {"main": ["run", "cluster"], "parallel": ["audit"]}
    assert steps["audit"]["lane"] == "parallel" and steps["audit"]["exit"] == 0
    assert steps["run"]["exit"] == 0
    assert steps["cluster"]["timed_out"] and steps["cluster"]["exit"] != 0
    assert rc == 1 and res["steps_failed"] == ["cluster"]
    [run] = res["tests_beside"]["runs"]
    assert run["exit"] == 0 and run["summary"] == "1 passed in 0.1s"
    assert res["tests_beside"]["command"] == "sh -c 'echo \"1 passed in 0.1s\"'"


def test_the_clone_does_not_look_newer_than_the_shared_virtualenv(quiet_sitting):
    """`make test` in the clone (as `.ci/run` calls it) must not reinstall into the shared
    virtualenv only because a clone's files are all new."""
    beside = sitting.TestsBeside(["true"], once=True, log=lambda _m: None)
    beside.prepare()
    try:
        ages = [p.stat().st_mtime for p in (beside.clone / "requirements").glob("*.txt")]
        assert ages and max(ages) < time.time() - 60
    finally:
        beside.stop()
