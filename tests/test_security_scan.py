"""tools/security_scan.py: findings are judged against the baseline, every accepted
finding has a reason, and a pip-audit that could not ask its service is never a pass."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.ports import free_port
from tools import security_scan as scan

ACCEPTED_BANDIT = {
    "test_id": "B105",
    "file": "settings/config.py",
    "code": 'bot_token = app_token = ""',
    "reason": "empty tokens of commands that need no Slack",
}


def bandit_result(test_id="B105", file="settings/config.py", code='bot_token = app_token = ""'):
    lines = (scan.ROOT / file).read_text().splitlines()
    number = next(i for i, line in enumerate(lines, start=1) if line.strip() == code)
    return {
        "test_id": test_id,
        "filename": file,
        "line_number": number,
        "issue_severity": "LOW",
        "issue_text": "Possible hardcoded password",
    }


def test_bandit_findings_must_be_accepted_and_entries_must_still_match():
    clean = scan.judge_bandit({"results": [bandit_result()]}, [ACCEPTED_BANDIT])
    assert clean.ok and clean.notes == ["1 accepted finding(s) in the baseline"]
    unaccepted = scan.judge_bandit({"results": [bandit_result()]}, [])
    assert not unaccepted.ok and "B105 (LOW) Possible hardcoded password" in unaccepted.problems[0]
    stale = scan.judge_bandit({"results": []}, [ACCEPTED_BANDIT])
    assert not stale.ok and "no longer matches a finding" in stale.problems[0]


def test_every_baseline_entry_needs_a_reason(tmp_path):
    path = tmp_path / "baseline.toml"
    path.write_text(
        '[[bandit]]\ntest_id = "B105"\nfile = "a.py"\ncode = "x = 1"\n\n'
        '[[pip_audit]]\nid = "PYSEC-2024-1"\npackage = "jinja2"\nreason = ""\n\n[[other]]\n'
    )
    _, problems = scan.load_baseline(path)
    assert problems == [
        "baseline.toml: unknown section [[other]]",
        "baseline.toml: [[bandit]] #1: every accepted finding needs a reason",
        "baseline.toml: [[pip_audit]] #1: every accepted finding needs a reason",
    ]
    assert scan.load_baseline(scan.BASELINE)[1] == [], "the checked-in baseline is well formed"


def dependency(name, version="1.0", vulns=()):
    return {"name": name, "version": version, "vulns": list(vulns)}


VULN = {"id": "PYSEC-2024-9", "aliases": ["CVE-2024-1"], "fix_versions": ["1.1"]}


def test_pip_audit_findings_and_the_baseline():
    report = {"dependencies": [dependency("jinja2", vulns=[VULN]), dependency("peewee")]}
    found = scan.judge_pip_audit(report, [])
    assert found.ran and found.problems == ["jinja2 1.0: PYSEC-2024-9 (fixed in 1.1)"]
    accepted = [{"id": "CVE-2024-1", "package": "Jinja2", "reason": "not reachable from ours"}]
    assert scan.judge_pip_audit(report, accepted).ok
    stale = scan.judge_pip_audit({"dependencies": [dependency("peewee")]}, accepted)
    assert "no longer matches a finding" in stale.problems[0]


def test_a_pip_audit_that_could_not_ask_its_service_did_not_run():
    """What pip-audit answers here, where its service is out of reach: every dependency
    skipped, "No known vulnerabilities found", exit 0. That is not a clean audit."""
    skipped = {
        "dependencies": [
            {
                "name": "peewee",
                "skip_reason": "Dependency not found on PyPI and could not be "
                "audited: peewee (4.5)",
            },
            {"name": "klaxon", "skip_reason": "distribution marked as editable"},
        ]
    }
    verdict = scan.judge_pip_audit(skipped, [])
    assert not verdict.ran
    assert "all 1 dependencies were skipped" in verdict.notes[0]
    failed = scan.judge_pip_audit(None, [], "ConnectionError: name resolution failed")
    assert not failed.ran and "ConnectionError" in failed.notes[0]
    partly = scan.judge_pip_audit(
        {"dependencies": [dependency("peewee"), *skipped["dependencies"]]}, []
    )
    assert (
        partly.ran
        and partly.ok
        and partly.notes
        == [
            "1 dependencies audited",
            "1 not audited: peewee",
        ]
    )


def test_pip_audit_is_not_started_when_its_service_cannot_be_reached(monkeypatch):
    """Without the probe, pip-audit would wait out a timeout for each dependency."""
    monkeypatch.setattr(
        scan.subprocess, "run", lambda *a, **k: pytest.fail("pip-audit was started")
    )
    port = free_port()  # nothing listens there: the connection is refused
    verdict = scan.run_pip_audit([], service=f"https://127.0.0.1:{port}/")
    assert not verdict.ran
    assert f"https://127.0.0.1:{port}/ could not be reached" in verdict.notes[0]


def test_the_product_code_passes_bandit_with_the_baseline():
    result = subprocess.run(
        [sys.executable, "tools/security_scan.py", "--bandit-only"],
        cwd=scan.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("security: bandit ok: ")
