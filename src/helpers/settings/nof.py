"""The NHS Oversight Framework (NOF) catalogue: how NHS England turns metric values into scores,
domain scores, segments and the financial override, as pydantic models.

The catalogue (``config/nof/*.yml``) holds the rules *found from the data* (each with a ``note``
saying how): :mod:`helpers.assess.nof_framework` applies them with no special case per metric.
Like every settings model the models are frozen and forbid unknown keys; a bad file is one
:class:`~helpers.settings.models.ConfigError` naming the file and the key.

Scoring rules of a metric (``rule``):

* ``rank``: ``1 + 3·(rank − 1)/(N − 1)`` over the ``N`` trusts with a value in the quarter;
  the rank is the file's published ``Rank`` (``order: published_rank``, which orders the
  unrounded values) or the rank of the published value (``order: value``), ties by ``ties``.
  ``cohort: wider`` records that NHS England ranks among more organisations than the file holds
  (then the file alone cannot reproduce the score exactly). An optional ``standard`` gives every
  value on the wrong side of it a fixed score (a floor of performance).
* ``bands``: the first band whose ``below`` the value is under (the last band has none).
* ``combined``: a score looked up in ``matrix`` from the scores of the two ``inputs``
  (row: the first input's score 1-4, column: the second's).
* ``given``: NHS England's published score is taken as an input (the file has no value).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from helpers.settings.models import _Strict

ScoreId = Field(pattern=r"^OF\d{4}$")


class NofBand(_Strict):
    """A band of a ``bands`` rule: values below ``below`` (none: any left) score ``score``."""

    below: float | None = None
    score: float = Field(ge=1, le=4)


class NofStandard(_Strict):
    """Values on the wrong side of a standard get a fixed score, whatever their rank."""

    value: float
    direction: Literal["at_least", "at_most"]
    score_if_missed: float = Field(ge=1, le=4)


class NofMetric(_Strict):
    score_id: str = ScoreId
    value_id: str | None = Field(None, pattern=r"^OF\d{4}$")
    description: str
    domain: str
    sub_domain: str
    polarity: Literal["higher_is_better", "lower_is_better"] | None = None
    rule: Literal["rank", "bands", "combined", "given"]
    order: Literal["published_rank", "value"] = "published_rank"
    ties: Literal["min", "average"] = "min"
    cohort: Literal["file", "wider"] = "file"
    standard: NofStandard | None = None
    bands: list[NofBand] = Field(default_factory=list)
    inputs: list[str] = Field(default_factory=list)
    matrix: list[list[float]] = Field(default_factory=list)
    in_average: bool = Field(True, description="counted in the domain score and the average")
    note: str

    @model_validator(mode="after")
    def _rule_needs(self) -> NofMetric:
        if self.rule in ("rank", "bands") and self.value_id is None:
            raise ValueError(f"rule {self.rule!r} needs 'value_id' (the metric value it scores)")
        if self.rule == "rank" and self.polarity is None:
            raise ValueError("rule 'rank' needs 'polarity' (which way is better)")
        if self.rule == "bands":
            if len(self.bands) < 2 or self.bands[-1].below is not None:
                raise ValueError("rule 'bands' needs at least two bands, the last without 'below'")
            cuts = [b.below for b in self.bands[:-1]]
            if any(c is None for c in cuts) or cuts != sorted(cuts):  # type: ignore[type-var]
                raise ValueError("rule 'bands': every band but the last needs 'below', ascending")
        if self.rule == "combined":
            if len(self.inputs) != 2:
                raise ValueError("rule 'combined' needs two 'inputs' (score ids)")
            if len(self.matrix) != 4 or any(len(row) != 4 for row in self.matrix):
                raise ValueError("rule 'combined' needs a 4 × 4 'matrix' (scores 1-4 × 1-4)")
        return self


class NofDomain(_Strict):
    name: str
    score_id: str = ScoreId
    segment_id: str = ScoreId


class NofQuarterSegments(_Strict):
    """The segmentation of one quarter: fixed cut-offs (upper bounds of segments 1-3, inclusive)
    of the average score and of each domain score (keyed by the domain's score id)."""

    quarter: int = Field(ge=1, le=4)
    rule: Literal["thresholds", "quartiles"]
    cutoffs: list[float] | None = None
    domain_cutoffs: dict[str, list[float]] = Field(default_factory=dict)
    note: str

    @model_validator(mode="after")
    def _three(self) -> NofQuarterSegments:
        lists = [("cutoffs", self.cutoffs)] if self.rule == "thresholds" else []
        lists += [(f"domain_cutoffs.{k}", v) for k, v in self.domain_cutoffs.items()]
        for key, cuts in lists:
            if cuts is None or len(cuts) != 3 or list(cuts) != sorted(cuts):
                raise ValueError(f"'{key}' must be three ascending cut-offs")
        return self


class NofOverride(_Strict):
    """The financial override: a trust flagged in deficit is placed no better than ``cap``."""

    flag_id: str = ScoreId
    source: Literal["given"] = Field(
        description="the deficit flag is NHS England's published flag (not derivable from the file)"
    )
    cap: int = Field(3, ge=1, le=4)
    note: str


class NofSummaryIds(_Strict):
    average: str = ScoreId
    unadjusted_segment: str = ScoreId
    adjusted_segment: str = ScoreId


class NofFramework(_Strict):
    name: str
    trust_type: str
    financial_year: str
    rounding: int = Field(2, ge=0, le=6, description="decimals NHS England publishes scores to")
    metrics: list[NofMetric]
    domains: list[NofDomain]
    summary: NofSummaryIds
    average_note: str
    segmentation: list[NofQuarterSegments]
    override: NofOverride
    league_order_note: str
    other_ids: dict[str, str] = Field(
        default_factory=dict, description="published ids not recomputed, with what they are"
    )

    @model_validator(mode="after")
    def _consistent(self) -> NofFramework:
        ids = [m.score_id for m in self.metrics]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"score ids listed twice: {', '.join(dup)}")
        names = {d.name for d in self.domains}
        for m in self.metrics:
            if m.domain not in names:
                raise ValueError(f"metric {m.score_id}: domain {m.domain!r} is not in 'domains'")
            for i in m.inputs:
                if i not in ids:
                    raise ValueError(f"metric {m.score_id}: input {i!r} is not a metric score id")
        quarters = [s.quarter for s in self.segmentation]
        if len(set(quarters)) != len(quarters):
            raise ValueError("segmentation: a quarter is listed twice")
        domain_ids = {d.score_id for d in self.domains}
        for s in self.segmentation:
            unknown = set(s.domain_cutoffs) - domain_ids
            if unknown:
                raise ValueError(
                    f"segmentation quarter {s.quarter}: domain_cutoffs for unknown domain score "
                    f"id(s) {', '.join(sorted(unknown))}"
                )
        return self

    def metric(self, score_id: str) -> NofMetric:
        return next(m for m in self.metrics if m.score_id == score_id)

    def quarter(self, quarter: int) -> NofQuarterSegments | None:
        return next((s for s in self.segmentation if s.quarter == quarter), None)
