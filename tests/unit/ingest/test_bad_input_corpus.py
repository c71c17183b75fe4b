"""The bad input corpus (``bad_input_cases.py``): every faulty input gets its documented
treatment, counted in the ledger, or a clear error naming the file (and line, column or key)
and the reason; never a bare traceback, never a row lost without a count. The command line says
so too: `assess validate` and `assess run` on a bad settings file exit non-zero with one line on
stderr and no traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bad_input_cases import BASE_SETTINGS, CASES, Case, describe, outcome

from helpers.ingest.ledger import Ingested


def test_the_corpus_is_large_and_its_ids_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) >= 40 and len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, root: Path) -> None:
    kind, got = outcome(case, tmp_path, root)
    if case.error is not None:
        cls, pattern = case.error
        assert kind == "error", (
            f"{case.id}: expected {cls.__name__}, got {describe(case, kind, got)}"
        )
        assert isinstance(got, cls), f"{case.id}: {type(got).__name__}: {got}"
        assert re.search(pattern, str(got), re.S), f"{case.id}: {got!s} does not match {pattern!r}"
        return
    assert kind == "ok", f"{case.id}: {got}"
    if isinstance(got, Ingested):
        led = got.ledger
        counts = (
            led["rows_read"],
            led["rows_accepted"],
            led["rows_excluded"],
            led["rows_rejected"],
        )
        assert counts[0] == sum(counts[1:])  # every row accounted for
        if case.counts is not None:
            assert counts == case.counts, f"{case.id}: {describe(case, kind, got)}"
        for reason in case.reasons:
            assert reason in led["reasons"], f"{case.id}: {reason!r} not in {led['reasons']!r}"
        found = {(int(r.line), r.column, r.reason) for r in got.rejected.itertuples()}
        for line, column, reason in case.rejected:
            assert any(
                (ln, col) == (line, column) and why.startswith(reason) for ln, col, why in found
            ), f"{case.id}: no rejection at line {line}, column {column!r}: {reason}; {found}"
        if case.counts is not None and not case.counts[3]:
            assert not len(got.rejected)
    if case.extra is not None:
        assert case.extra(got), f"{case.id}: {got!r}"


def test_every_case_is_described_for_the_listing(root: Path, tmp_path: Path) -> None:
    """The printable listing (tests/tools/bad_input_corpus.py) says what each case gets."""
    case = next(c for c in CASES if c.id == "duplicate-rows")
    text = describe(case, *outcome(case, tmp_path, root))
    assert "rejected 2" in text and "line 4, column 'org_code'" in text


# --- the command line: a non-zero exit, one line on stderr, no traceback ------------------------

ASSESS = Path(sys.executable).parent / "assess"


def _bad_settings(tmp_path: Path, root: Path, edit) -> Path:
    data = yaml.safe_load((root / BASE_SETTINGS).read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("command", "edit", "message"),
    [
        (
            "validate",
            lambda d: d["sources"]["beds_2022_25"].update(reader="nhse_beds_ocupancy"),
            "key 'sources.beds_2022_25.reader': unknown reader 'nhse_beds_ocupancy'",
        ),
        (
            "validate",
            lambda d: d["reference"]["successions"].update(path="data/raw/nope.csv"),
            "key 'reference.successions.path': file not found: data/raw/nope.csv",
        ),
        (
            "run",  # stops before any notebook runs (nothing is written)
            lambda d: d["sources"]["beds_2022_25"]["options"].update(exclude_months={"x": "y"}),
            "option 'exclude_months': ['x'] are not months 'YYYY-MM'",
        ),
    ],
    ids=["validate-unknown-reader", "validate-missing-optional-file", "run-bad-option"],
)
def test_cli_bad_settings_exit_non_zero_without_traceback(
    tmp_path: Path, root: Path, command: str, edit, message: str
) -> None:
    bad = _bad_settings(tmp_path, root, edit)
    proc = subprocess.run(
        [str(ASSESS), command, str(bad)],
        cwd=tmp_path,  # from anywhere: the settings file is outside the project
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert proc.stderr.startswith(f"assess: error: {bad}: ") or str(bad) in proc.stderr
    assert message in proc.stderr, proc.stderr
