"""The engine of the parity harness: a comparison, a table row, and the loop that runs the rows.

A comparison (``compare``) checks computed values against a reference table column by column,
by position, under one of four modes that follow the READMEs next to the reference files:

* ``waldo``: testthat 3e ``expect_equal`` (PHEindicatormethods) – per numeric column, drop exact
  matches, then ``mean|a-e| / mean|e| < 1.49e-8``; NaN positions must agree.
* ``abs``: absolute tolerance for fixtures rounded to a number of decimal places.
* ``rtol``: element-wise relative tolerance (FunnelPlotR ~1e-9, NHSRplotthedots 1e-12).
* ``exact``: categorical columns must be identical.

A row of a table (``Check``) is data: the function under test (or a small adapter), its
arguments, the table it reads, the reference file and columns it is compared with, and the
tolerance. ``run_checks`` runs a list of rows against one reference folder (``Tables``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

WALDO_TOL: float = float(np.sqrt(np.finfo(float).eps))  # 1.4901161193847656e-08
Mode = Literal["waldo", "abs", "rtol", "exact"]


@dataclass(frozen=True)
class CheckResult:
    """One comparison of computed values with a reference table."""

    function: str
    reference: str
    rows: int
    max_abs: float
    max_rel: float
    tolerance: str
    passed: bool
    detail: str = ""


def _labels(s: pd.Series) -> list[str]:
    """Categorical values as strings; NA, None and "" all become "<NA>"; 1.0 becomes "1"."""
    out = []
    for v in s.tolist():
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or v == "":
            out.append("<NA>")
        elif isinstance(v, (bool, np.bool_)):
            out.append(str(bool(v)).upper())
        elif isinstance(v, (float, np.floating)) and float(v).is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v))
    return out


def compare(
    function: str,
    reference: str,
    actual: pd.DataFrame | dict[str, Iterable],
    expected: pd.DataFrame | dict[str, Iterable],
    mode: Mode = "waldo",
    tol: float = WALDO_TOL,
    categorical: Iterable[str] = (),
) -> CheckResult:
    """Compare ``actual`` with ``expected`` column by column (positions, not index labels)."""
    a = pd.DataFrame(actual).reset_index(drop=True)
    e = pd.DataFrame(expected).reset_index(drop=True)
    detail: list[str] = []
    if a.shape != e.shape:
        return CheckResult(
            function,
            reference,
            len(e),
            np.inf,
            np.inf,
            f"{mode} {tol:g}",
            False,
            f"shape {a.shape} != {e.shape}",
        )
    passed = True
    max_abs = 0.0
    max_rel = 0.0
    cat = set(categorical)
    for ca, ce in zip(a.columns, e.columns, strict=True):
        if ce in cat or ca in cat:
            sa, se = _labels(a[ca]), _labels(e[ce])
            if sa != se:
                passed = False
                bad = sum(x != y for x, y in zip(sa, se, strict=True))
                detail.append(f"{ce}: {bad} categorical mismatches")
            continue
        xa = pd.to_numeric(a[ca], errors="coerce").to_numpy(dtype=float)
        xe = pd.to_numeric(e[ce], errors="coerce").to_numpy(dtype=float)
        if not np.array_equal(np.isnan(xa), np.isnan(xe)):
            passed = False
            detail.append(f"{ce}: NaN positions differ")
            both = ~(np.isnan(xa) | np.isnan(xe))
        else:
            both = ~np.isnan(xe)
        xa, xe = xa[both], xe[both]
        if xa.size == 0:
            continue
        err = np.abs(xa - xe)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(err == 0, 0.0, err / np.abs(xe))
        max_abs = max(max_abs, float(err.max()))
        max_rel = max(max_rel, float(np.nanmax(rel)) if rel.size else 0.0)
        if mode == "waldo":
            diff = err != 0
            if diff.any():
                score = err[diff].mean() / np.abs(xe[diff]).mean()
                if not score < tol:
                    passed = False
                    detail.append(f"{ce}: waldo {score:.3g}")
        elif mode == "abs":
            if not (err <= tol).all():
                passed = False
                detail.append(f"{ce}: max abs {err.max():.3g}")
        elif mode == "rtol":
            if not (err <= tol * np.abs(xe) + 1e-300).all():
                passed = False
                detail.append(f"{ce}: max rel {np.nanmax(rel):.3g}")
        elif mode == "exact":
            if not (err == 0).all():
                passed = False
                detail.append(f"{ce}: not identical")
    return CheckResult(
        function, reference, len(e), max_abs, max_rel, f"{mode} {tol:g}", passed, "; ".join(detail)
    )


# --------------------------------------------------------------------------------------------
# Tables: the reference folder, read once per run
# --------------------------------------------------------------------------------------------

#: how a table that is not a plain CSV read is built: name -> builder(tables)
Derived = Mapping[str, Callable[["Tables"], Any]]


class Tables:
    """The reference folder as named tables, each read (or built) once per run.

    A name is a CSV path under the folder, read with ``pd.read_csv`` and the keyword arguments of
    the first ``read_options`` pattern it matches (``fnmatch``), or the name of a ``derived``
    builder: an input the reference package prepared in code before calling its function (a
    column added, rows summed, ...). A builder may also be registered under a file's own name
    when that file needs preparing before any use. Builders must not modify the tables they get.
    """

    def __init__(
        self,
        ref: Path,
        derived: Derived | None = None,
        read_options: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.ref = Path(ref)
        self.derived = dict(derived or {})
        self.read_options = dict(read_options or {})
        self._cache: dict[str, Any] = {}

    def read(self, name: str, **kwargs: Any) -> pd.DataFrame:
        """Read one CSV under the reference folder (not cached)."""
        for pattern, options in self.read_options.items():
            if fnmatch.fnmatchcase(name, pattern):
                kwargs = {**options, **kwargs}
                break
        return pd.read_csv(self.ref / name, **kwargs)

    def __getitem__(self, name: str) -> Any:
        if name not in self._cache:
            builder = self.derived.get(name)
            self._cache[name] = builder(self) if builder else self.read(name)
        return self._cache[name]


# --------------------------------------------------------------------------------------------
# A row of a table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    """An argument taken from the input table: one column (a Series) or, given a list, several."""

    name: str | tuple[str, ...]

    def __call__(self, data: pd.DataFrame) -> Any:
        return data[list(self.name)] if isinstance(self.name, tuple) else data[self.name]


@dataclass(frozen=True)
class Table:
    """An argument that is a whole named table (or derived object) of the reference folder."""

    name: str


#: an argument that is the input table itself (a copy)
DATA = object()
#: ``Check.actual``: the result's columns named like the expected columns, in their order
SAME = ("<the expected columns>",)


@dataclass(frozen=True)
class Check:
    """One comparison, as data.

    ``call(*args, **kwargs)`` is evaluated with ``Col``, ``Table`` and ``DATA`` arguments
    resolved; other arguments are passed as they are. The input table is ``inputs`` (a file or a
    derived name) or, when ``inputs`` is None, the reference table itself. ``where`` (a
    ``DataFrame.query``) filters the input table; ``sort`` and ``rows`` pick the reference rows
    (and so the input rows when the reference is the input). The result is a DataFrame (columns
    ``actual``, all of them when None, or those of the reference when ``SAME``), a dict of
    columns, or one column; it is compared by position with the ``expected`` columns of the
    reference (all when None).
    """

    function: str
    reference: str
    call: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    inputs: str | None = None
    where: str | None = None
    sort: str | None = None
    rows: slice | None = None
    actual: Sequence[str] | None = None
    expected: Sequence[str] | None = None
    mode: Mode = "waldo"
    tol: float = WALDO_TOL
    categorical: Sequence[str] = ()


#: a row of a table, or a builder of rows when they depend on a reference file's content
Row = Check | Callable[[Tables], Iterable[Check]]


def _resolve(arg: Any, data: pd.DataFrame, tables: Tables) -> Any:
    if arg is DATA:
        return data.copy()
    if isinstance(arg, Col):
        return arg(data)
    if isinstance(arg, Table):
        return tables[arg.name]
    return arg


def run_check(check: Check, tables: Tables) -> CheckResult:
    """Evaluate one row and compare its result with the reference."""
    data = tables[check.inputs or check.reference]
    if check.where is not None:
        data = data.query(check.where)
    reference = data if check.inputs is None else tables[check.reference]
    if check.sort is not None:
        reference = reference.sort_values(check.sort).reset_index(drop=True)
    if check.rows is not None:
        reference = reference.iloc[check.rows]
    if check.inputs is None:
        data = reference
    expected = reference if check.expected is None else reference[list(check.expected)]
    args = [_resolve(a, data, tables) for a in check.args]
    kwargs = {k: _resolve(v, data, tables) for k, v in check.kwargs.items()}
    result = check.call(*args, **kwargs)
    if isinstance(result, pd.DataFrame):
        cols = expected.columns if check.actual is SAME else check.actual
        actual: pd.DataFrame | dict = result if cols is None else result[list(cols)]
    elif isinstance(result, dict):
        actual = result
    else:  # one column
        actual = {expected.columns[0]: result}
    return compare(
        check.function,
        check.reference,
        actual,
        expected,
        mode=check.mode,
        tol=check.tol,
        categorical=check.categorical,
    )


def expand(rows: Iterable[Row], tables: Tables) -> list[Check]:
    """The rows of a table, with row builders replaced by the rows they build."""
    out: list[Check] = []
    for row in rows:
        out.extend([row] if isinstance(row, Check) else row(tables))
    return out


def run_checks(rows: Iterable[Row], tables: Tables) -> list[CheckResult]:
    """Run every row of a table, in order."""
    return [run_check(c, tables) for c in expand(rows, tables)]


def format_table(results: list[CheckResult]) -> str:
    """A plain-text table of the results."""
    header = ["function", "reference", "rows", "max_abs_err", "max_rel_err", "tolerance", "result"]
    rows = [
        [
            r.function,
            r.reference,
            str(r.rows),
            f"{r.max_abs:.3g}",
            f"{r.max_rel:.3g}",
            r.tolerance,
            ("PASS" if r.passed else "FAIL") + (f" ({r.detail})" if r.detail else ""),
        ]
        for r in results
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)
