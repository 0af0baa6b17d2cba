"""`make security` (part of `make test`): bandit over the product code and pip-audit over
the installed dependencies, judged against security-baseline.toml.

It fails on a finding the baseline does not accept, on a baseline entry without a reason,
and on a baseline entry that matches nothing any more. It never reports a scan that did not
happen as a clean one: pip-audit answers "No known vulnerabilities found" (exit 0) when
every dependency was skipped because its vulnerability service could not be asked; here
that is "pip-audit DID NOT RUN", with the reason, and it fails when
SECURITY_AUDIT_REQUIRED=1 (set it where the advisory service is reachable, e.g. CI with
internet access).

The two scans run side by side. pip-audit asks PyPI about each dependency in turn, so
where the service is out of reach it would wait out a timeout per dependency: it is only
started once PyPI answers at all (`pypi_unreachable`), and each of its requests gives up
after PIP_AUDIT_TIMEOUT.

Run: python tools/security_scan.py [--bandit-only | --pip-audit-only]
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "security-baseline.toml"
BIN = Path(sys.executable).parent
# pip-audit's vulnerability service (its default, "pypi"), and how long one of its
# requests may wait for an answer (pip-audit's own default is 15 s).
PYPI = "https://pypi.org/"
PIP_AUDIT_TIMEOUT = 5


@dataclass
class Verdict:
    """What one scanner found: problems fail the run, notes are said and do not."""

    name: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ran: bool = True

    @property
    def ok(self) -> bool:
        return not self.problems


def product_packages() -> list[str]:
    """The packages import-linter checks: the product's code, nothing of tests or tools."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return project["tool"]["importlinter"]["root_packages"]


def load_baseline(path: Path = BASELINE) -> tuple[dict, list[str]]:
    """The accepted findings, and the problems with the file itself."""
    try:
        baseline = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        return {}, [f"{path.name}: cannot be read: {error}"]
    problems = []
    required = {"bandit": ("test_id", "file", "code"), "pip_audit": ("id", "package")}
    for section in set(baseline) - set(required):
        problems.append(f"{path.name}: unknown section [[{section}]]")
    for section, keys in required.items():
        for index, entry in enumerate(baseline.get(section, []), start=1):
            where = f"{path.name}: [[{section}]] #{index}"
            missing = [key for key in keys if not str(entry.get(key, "")).strip()]
            if missing:
                problems.append(f"{where}: missing {', '.join(missing)}")
            if len(str(entry.get("reason", "")).strip()) < 10:
                problems.append(f"{where}: every accepted finding needs a reason")
    return baseline, problems


def _source_line(file: str, number: int) -> str:
    try:
        return (ROOT / file).read_text().splitlines()[number - 1].strip()
    except (OSError, IndexError):
        return ""


def judge_bandit(report: dict, accepted: list[dict]) -> Verdict:
    verdict = Verdict("bandit")
    for error in report.get("errors", []):
        verdict.problems.append(f"bandit could not scan {error.get('filename')}: {error}")
    used = set()
    for result in report.get("results", []):
        file = (
            os.path.relpath(result["filename"], ROOT)
            if os.path.isabs(result["filename"])
            else result["filename"]
        )
        code = _source_line(file, result["line_number"])
        key = (result["test_id"], file, code)
        match = next(
            (
                i
                for i, e in enumerate(accepted)
                if (e["test_id"], e["file"], e["code"].strip()) == key
            ),
            None,
        )
        if match is None:
            verdict.problems.append(
                f"{file}:{result['line_number']}: {result['test_id']} "
                f"({result['issue_severity']}) {result['issue_text']}\n    {code}"
            )
        else:
            used.add(match)
    for index, entry in enumerate(accepted):
        if index not in used:
            verdict.problems.append(
                f"baseline entry no longer matches a finding (remove it): {entry['test_id']} "
                f"{entry['file']}: {entry['code']}"
            )
    verdict.notes.append(f"{len(used)} accepted finding(s) in the baseline")
    return verdict


def judge_pip_audit(report: dict | None, accepted: list[dict], failure: str = "") -> Verdict:
    """`report` is pip-audit's JSON (None when it failed outright, with `failure` saying
    why). A dependency pip-audit skipped was not audited: if all were, the audit did not
    run at all."""
    verdict = Verdict("pip-audit")
    if report is None:
        verdict.ran = False
        verdict.notes.append(f"pip-audit failed: {failure}")
        return verdict
    # The project itself (installed editable, skipped by --skip-editable) is not a dependency.
    dependencies = [
        d for d in report.get("dependencies", []) if "editable" not in d.get("skip_reason", "")
    ]
    skipped = [d for d in dependencies if "skip_reason" in d]
    audited = len(dependencies) - len(skipped)
    if dependencies and not audited:
        verdict.ran = False
        reasons = sorted({d["skip_reason"].split(":")[0] for d in skipped})
        verdict.notes.append(
            f"all {len(skipped)} dependencies were skipped ({'; '.join(reasons)}): "
            "its vulnerability service could not be asked"
        )
        return verdict
    accepted_ids = {(e["package"].lower(), e["id"]) for e in accepted}
    used = set()
    for dependency in dependencies:
        for vuln in dependency.get("vulns", []):
            ids = {vuln["id"], *vuln.get("aliases", [])}
            name = dependency["name"].lower()
            hits = {(name, i) for i in ids} & accepted_ids
            if hits:
                used |= hits
                continue
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
            verdict.problems.append(
                f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})"
            )
    for entry in accepted:
        if (entry["package"].lower(), entry["id"]) not in used:
            verdict.problems.append(
                f"baseline entry no longer matches a finding (remove it): {entry['package']} "
                f"{entry['id']}"
            )
    verdict.notes.append(f"{audited} dependencies audited")
    if skipped:
        verdict.notes.append(
            f"{len(skipped)} not audited: " + ", ".join(d["name"] for d in skipped)
        )
    return verdict


def run_bandit(accepted: list[dict]) -> Verdict:
    scan = subprocess.run(
        [str(BIN / "bandit"), "-q", "-r", *product_packages(), "-f", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(scan.stdout)
    except ValueError:
        return Verdict("bandit", problems=[f"bandit did not run: {scan.stderr.strip()[-500:]}"])
    return judge_bandit(report, accepted)


def pypi_unreachable(url: str = PYPI, timeout: float = PIP_AUDIT_TIMEOUT) -> str:
    """Why `url` cannot be reached at all (no name, no route, no answer in time), or "".
    Any HTTP answer, even an error or a certificate pip-audit might judge differently,
    counts as reached: pip-audit then runs and says for itself what it could ask."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return ""
    except urllib.error.HTTPError:
        return ""
    except urllib.error.URLError as error:
        if isinstance(error.reason, ssl.SSLError):
            return ""  # reached; whether pip-audit trusts the certificate is its call
        return f"{url} could not be reached: {error.reason}"
    except OSError as error:  # a timeout while reading the answer
        return f"{url} could not be reached: {error or type(error).__name__}"


def run_pip_audit(accepted: list[dict], service: str = PYPI) -> Verdict:
    unreachable = pypi_unreachable(service)
    if unreachable:
        return judge_pip_audit(None, accepted, unreachable)
    scan = subprocess.run(
        [
            str(BIN / "pip-audit"),
            "--format",
            "json",
            "--progress-spinner",
            "off",
            "--skip-editable",
            "--timeout",
            str(PIP_AUDIT_TIMEOUT),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(scan.stdout)
    except ValueError:
        lines = [line for line in scan.stderr.strip().splitlines() if line.strip()]
        return judge_pip_audit(None, accepted, lines[-1] if lines else f"exit {scan.returncode}")
    return judge_pip_audit(report, accepted)


def main(argv: list[str]) -> int:
    baseline, problems = load_baseline()
    scans = []
    if "--pip-audit-only" not in argv:
        scans.append((run_bandit, baseline.get("bandit", [])))
    if "--bandit-only" not in argv:
        scans.append((run_pip_audit, baseline.get("pip_audit", [])))
    # bandit works the CPU while pip-audit mostly waits on the network: side by side.
    with ThreadPoolExecutor(max_workers=2) as pool:
        verdicts = list(pool.map(lambda scan: scan[0](scan[1]), scans))
    required = os.environ.get("SECURITY_AUDIT_REQUIRED", "") == "1"
    failed = bool(problems)
    for problem in problems:
        print(f"security: {problem}", file=sys.stderr)
    for verdict in verdicts:
        for problem in verdict.problems:
            print(f"security: {verdict.name}: {problem}", file=sys.stderr)
        if not verdict.ran:
            print(
                f"security: {verdict.name} DID NOT RUN: {'; '.join(verdict.notes)}. "
                "No dependency was checked for known vulnerabilities"
                + (
                    " and SECURITY_AUDIT_REQUIRED=1 makes that a failure."
                    if required
                    else " (set SECURITY_AUDIT_REQUIRED=1 where the service is reachable to "
                    "make this a failure)."
                ),
                file=sys.stderr,
            )
            failed |= required
            continue
        state = "ok" if verdict.ok else "FAILED"
        print(f"security: {verdict.name} {state}: {'; '.join(verdict.notes)}")
        failed |= not verdict.ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
