"""Reference data: organisations (names, types, regions, ICBs), successions (mergers), the
hospitals of each trust and the ICBs' local priorities, read from the lookup files under
``reference:`` in the settings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.core.files import sha256
from helpers.core.names import name_case
from helpers.ingest.ledger import LEDGER_COLUMNS, IngestError, ledger_row
from helpers.settings import LoadedAssessment

NOF_TYPES = {
    "Acute trust": "acute_trust",
    "Mental health and community trust": "mental_health_and_community_trust",
    "Ambulance trust": "ambulance_trust",
}


def read_lookup(path: Path, label: str) -> pd.DataFrame:
    """A lookup table in CSV, every column read as text (blank cells are empty strings)."""
    if not path.exists():
        raise IngestError(f"{label}: file not found")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:  # noqa: BLE001 - report any parser failure with the file name
        raise IngestError(f"{label}: cannot be read as a table: {exc}") from exc


#: ``reader:`` names of reference (lookup) files -> what they hold. Every one is a CSV lookup
#: read as text; ``local_priorities`` is then checked against the catalogue.
REFERENCE_READERS: dict[str, str] = {
    "ods": "a lookup table in CSV (ODS extracts and the project's own reference files)",
    "local_priorities": "ICBs' local priority metrics: icb_code, metric_id, reason",
}


#: The ODS files an assessment names under ``reference:`` when it has no ``organisations``
#: file, and the columns read from each.
ODS_REFERENCE: dict[str, tuple[str, ...]] = {
    "trusts": (
        "org_code",
        "org_name",
        "national_grouping_code",
        "high_level_health_geography_code",
        "close_date",
    ),
    "trust_reference": (
        "org_code",
        "nof_trust_type",
        "nof_trust_subtype",
        "has_type1_ae_2016_19",
    ),
    "regions": ("nhs_region21_nhs_code", "nhs_region21_name"),
    "icbs": ("ICB24CDH", "ICB24NM"),
}
#: The columns read from the other reference files.
REFERENCE_COLUMNS: dict[str, tuple[str, ...]] = {
    **ODS_REFERENCE,
    "successions": ("old_code", "new_code", "date"),
    "successions_supplement": ("old_code", "new_code", "date"),
    "org_type_supplement": ("org_code", "org_type", "org_subtype"),
    # the NHS website's list of hospitals (NHS Choices ``Hospital.csv``; data/README.md)
    "sites": ("OrganisationCode", "OrganisationName", "City", "Postcode", "ParentODSCode"),
}


def _read(run: LoadedAssessment, key: str) -> pd.DataFrame:
    """A reference file, with the columns it must have checked (file and columns named)."""
    if key not in run.settings.reference:
        raise IngestError(f"{run.settings_path}: key 'reference.{key}': no such file is named")
    src = run.settings.reference[key]
    if src.reader not in REFERENCE_READERS:
        raise IngestError(
            f"reference '{key}': unknown reader {src.reader!r} "
            f"(known: {', '.join(sorted(REFERENCE_READERS))})"
        )
    table = read_lookup(run.root / src.path, src.path)
    missing = [c for c in REFERENCE_COLUMNS.get(key, ()) if c not in table.columns]
    if missing:
        raise IngestError(
            f"{src.path}: line 1: missing column(s) {missing} (reference '{key}'); found "
            f"{list(table.columns)}"
        )
    return table


def successions(run: LoadedAssessment) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One-to-one successions resolved to the latest successor, and the splits left alone.

    Returns ``(mapping, splits)``: ``mapping`` has old_code, new_code (final successor), date
    (of the first step), source and reference (the settings key of the file); ``splits`` lists
    codes that passed to several successors, which cannot be attributed to one and are reported
    under their own code.
    """
    frames = []
    for key in ("successions", "successions_supplement"):
        if key in run.settings.reference:
            f = _read(run, key)
            f["source"] = f.get("source", run.settings.reference[key].title)
            f["reference"] = key
            frames.append(f[["old_code", "new_code", "date", "source", "reference"]])
    cols = ["old_code", "new_code", "date", "source", "reference"]
    if not frames:  # no succession file (the 42 ICBs have had no change of code since 2022)
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=cols)
    s = pd.concat(frames, ignore_index=True)
    s = s[(s.old_code.str.len() == 3) & (s.new_code.str.len() == 3) & (s.old_code != s.new_code)]
    s = s.drop_duplicates(["old_code", "new_code"])
    n_new = s.groupby("old_code").new_code.transform("nunique")
    splits = s[n_new > 1].sort_values(["old_code", "new_code"]).reset_index(drop=True)
    one = s[n_new == 1].set_index("old_code")
    final = one.new_code.to_dict()
    for _ in range(20):  # follow chains A -> B -> C
        changed = {k: final.get(v, v) for k, v in final.items()}
        if changed == final:
            break
        final = changed
    mapping = one.assign(new_code=pd.Series(final)).reset_index()
    return mapping[["old_code", "new_code", "date", "source", "reference"]], splits


ORGANISATION_COLUMNS = (
    "org_code",
    "org_name",
    "org_type",
    "org_subtype",
    "region_name",
    "icb_code",
    "close_date",
)


def organisations_from_contract(run: LoadedAssessment) -> pd.DataFrame:
    """Organisations from one file in the project's own contract (``reference: organisations``;
    see data/README.md): org_code, org_name, org_type, org_subtype, region_name, icb_code,
    close_date (YYYYMMDD or blank). ICB names come from the rows whose org_type is ``icb``."""
    f = _read(run, "organisations")
    missing = sorted(set(ORGANISATION_COLUMNS) - set(f.columns))
    if missing:
        path = run.settings.reference["organisations"].path
        raise IngestError(f"{path}: line 1: missing column(s) {missing}; found {list(f.columns)}")
    out = f[list(ORGANISATION_COLUMNS)].rename(columns={"region_name": "region"})
    icb_names = dict(
        zip(f.org_code[f.org_type == "icb"], f.org_name[f.org_type == "icb"], strict=True)
    )
    out["icb"] = out.icb_code.map(icb_names).fillna("")
    out["is_closed"] = out.close_date.str.len() > 0
    cols = ["org_code", "org_name", "org_type", "org_subtype", "region", "icb_code", "icb"]
    return out[[*cols, "is_closed", "close_date"]].sort_values("org_code").reset_index(drop=True)


def organisations(run: LoadedAssessment) -> pd.DataFrame:
    """One row per organisation: code, tidy name, type, region, ICB, status and close date."""
    if "organisations" in run.settings.reference:
        return organisations_from_contract(run)
    etr = _read(run, "trusts")
    ref = _read(run, "trust_reference")
    regions = _read(run, "regions")
    icbs = _read(run, "icbs")
    out = etr[["org_code", "org_name", "national_grouping_code"]].copy()
    out["high_level_health_geography_code"] = etr["high_level_health_geography_code"]
    out["close_date"] = etr["close_date"]
    out["org_name"] = out.org_name.map(name_case)  # ODS names are in capitals
    region_names = dict(zip(regions.nhs_region21_nhs_code, regions.nhs_region21_name, strict=True))
    out["region"] = out.national_grouping_code.map(region_names).fillna("Unknown region")
    icb_names = dict(zip(icbs.ICB24CDH, icbs.ICB24NM, strict=True))
    out["icb_code"] = out.high_level_health_geography_code
    out["icb"] = out.icb_code.map(icb_names).fillna("")
    types = ref.set_index("org_code")
    nof = out.org_code.map(types.nof_trust_type).map(NOF_TYPES)
    type1 = out.org_code.map(types.has_type1_ae_2016_19).eq("True")
    out["org_type"] = nof.where(nof.notna(), type1.map({True: "acute_trust", False: None}))
    out["org_subtype"] = out.org_code.map(types.nof_trust_subtype).fillna("")
    if "org_type_supplement" in run.settings.reference:
        sup = _read(run, "org_type_supplement").set_index("org_code")
        has = out.org_code.isin(sup.index) & out.org_type.isna()
        out.loc[has, "org_type"] = out.loc[has, "org_code"].map(sup.org_type)
        out.loc[has, "org_subtype"] = out.loc[has, "org_code"].map(sup.org_subtype)
    out["is_closed"] = out.close_date.str.len() > 0
    cols = ["org_code", "org_name", "org_type", "org_subtype", "region", "icb_code", "icb"]
    return out[[*cols, "is_closed", "close_date"]].sort_values("org_code").reset_index(drop=True)


#: The hospitals of each trust, as :func:`sites` returns them.
SITE_COLUMNS = ["org_code", "site_code", "site_name", "town", "postcode"]


def _site_text(values: pd.Series) -> pd.Series:
    """Names and towns as shown: spaces collapsed; a value written all in capitals (as ODS
    writes names) cased by the one rule for names (:func:`helpers.core.names.name_case`)."""
    text = values.str.split().str.join(" ")
    upper = text.str.isupper()
    return text.where(~upper, text[upper].map(name_case))


def sites(run: LoadedAssessment, successions: pd.DataFrame) -> pd.DataFrame:
    """The hospitals of each trust (``reference: sites``, the NHS website's hospital list), for
    search by hospital: one row per hospital with its trust's code (``org_code``: the parent
    code as published, carried to its successor by ``successions``, the mapping of
    :func:`successions`), its own code, name, town (the list's ``City``; blank where it gives
    none) and postcode. Empty when the assessment names no such file."""
    if "sites" not in run.settings.reference:
        return pd.DataFrame(columns=SITE_COLUMNS)
    d = _read(run, "sites")
    successor = dict(zip(successions.old_code, successions.new_code, strict=True))
    parent = d.ParentODSCode.str.strip().str.upper()
    out = pd.DataFrame(
        {
            "org_code": parent.map(lambda c: successor.get(c, c)),
            "site_code": d.OrganisationCode.str.strip(),
            "site_name": _site_text(d.OrganisationName),
            "town": _site_text(d.City),
            "postcode": d.Postcode.str.strip(),
        }
    )
    out = out[(out.org_code != "") & (out.site_name != "")]
    return out.sort_values(["org_code", "site_name", "site_code"]).reset_index(drop=True)


LOCAL_PRIORITY_COLUMNS = ["icb_code", "metric_id", "reason"]


def local_priorities(run: LoadedAssessment) -> pd.DataFrame:
    """The local priority metrics some ICBs choose alongside the national core (``reference:
    local_priorities``: one row per ICB and metric, with the ICB's reason). Every metric must
    be in the catalogue and apply to ICBs; an invalid row stops the run with the file, line and
    column named. Empty when the assessment has no such file."""
    if "local_priorities" not in run.settings.reference:
        return pd.DataFrame(columns=LOCAL_PRIORITY_COLUMNS)
    src = run.settings.reference["local_priorities"]
    d = _read(run, "local_priorities")
    missing = [c for c in LOCAL_PRIORITY_COLUMNS if c not in d.columns]
    if missing:
        raise IngestError(f"{src.path}: line 1: missing column(s) {missing}")
    known = {m.id: m for m in run.catalogue.metrics}
    for i, r in enumerate(d.itertuples(index=False), start=2):
        if not str(r.icb_code).strip():
            raise IngestError(f"{src.path}: line {i}, column 'icb_code': blank ICB code")
        spec = known.get(str(r.metric_id).strip())
        if spec is None or "icb" not in spec.org_types:
            what = "not in the metric catalogue" if spec is None else "does not apply to ICBs"
            raise IngestError(
                f"{src.path}: line {i}, column 'metric_id': {r.metric_id!r} {what} "
                f"({run.settings.catalogue})"
            )
    d = d[LOCAL_PRIORITY_COLUMNS].apply(lambda s: s.str.strip())
    return d.sort_values(["icb_code", "metric_id"]).reset_index(drop=True)


def reference_ledger(run: LoadedAssessment) -> pd.DataFrame:
    """Ledger rows for the reference (lookup) files: read in full, nothing rejected."""
    rows = []
    for key, src in run.settings.reference.items():
        path = run.root / src.path
        n = len(_read(run, key))
        rows.append(ledger_row(src.path, sha256(path), f"reference: {key}", n, n, 0, 0, {}))
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS)
