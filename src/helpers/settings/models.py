"""The settings of an assessment and the metric catalogue, as pydantic models.

Every model is frozen and forbids unknown keys, so a misspelt key is an error that names the
file and the key (:mod:`helpers.settings.load` formats the errors). The vocabulary comes from
one place each: organisation types from :mod:`helpers.core.vocab`, polarities from
:mod:`helpers.stats.compare`, statistics and interval methods from :mod:`helpers.methods`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from helpers.core.fy import check_fy, fy_start
from helpers.core.vocab import PROVIDER_TYPES, OrgType
from helpers.methods import CI_METHODS, STATISTICS, allowed_ci_methods
from helpers.stats.compare import Polarity

MAX_METRICS = 40  # the published cap on the public set of metrics
Statistic = Literal[STATISTICS]  # type: ignore[valid-type]
CiMethod = Literal[CI_METHODS]  # type: ignore[valid-type]


class ConfigError(ValueError):
    """A settings or catalogue file is invalid. The message names file, key and reason."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Quantity(_Strict):
    """A numerator or denominator: a measure from one ingested source."""

    measure: str = Field(description="measure name produced by ingestion, e.g. 'within_4h'")
    description: str
    source: str | None = Field(
        None, description="another source for this quantity (default: the definition's)"
    )


class National(_Strict):
    """Where NHS England's national headline for a metric comes from: every organisation of
    ``source`` (a source of the assessment settings) summed, with the metric's own numerator and
    denominator measures; the methodology sets it beside this assessment's England value (the
    assessed organisations only) and says by how much and why they differ."""

    source: str = Field(description="key of a source in the assessment settings")
    label: str = Field(description="what the headline covers, e.g. 'England, all providers'")
    why: str = Field(description="why it differs from the sum over the assessed organisations")


class Definition(_Strict):
    """How the metric is built from one source, for a range of financial years."""

    source: str = Field(description="key of a source in the assessment settings")
    first_year: str
    last_year: str
    numerator: Quantity
    denominator: Quantity
    sum_of_squares: Quantity | None = Field(
        None,
        description="for means: the sum of squared observations, so that the standard deviation "
        "of any aggregate (a year, England) is exact; numerator = sum, denominator = count",
    )
    aggregate_to: Literal["organisation", "host_icb"] = Field(
        "organisation",
        description="host_icb: add up the providers' counts by the ICB that hosts them (an ICB "
        "system view of provider data; the metric is then a commissioner metric)",
    )
    note: str = ""

    _fy = field_validator("first_year", "last_year")(check_fy)

    @model_validator(mode="after")
    def _ordered(self) -> Definition:
        if fy_start(self.first_year) > fy_start(self.last_year):
            raise ValueError(f"first_year {self.first_year} is after last_year {self.last_year}")
        return self

    def covers(self, fy: str) -> bool:
        return fy_start(self.first_year) <= fy_start(fy) <= fy_start(self.last_year)


class Target(_Strict):
    """A national standard or goal: met when the value is at least (or at most) ``value``."""

    value: float
    direction: Literal["at_least", "at_most"]
    label: str
    first_year: str | None = None
    last_year: str | None = None
    source: str = ""

    @field_validator("first_year", "last_year")
    @classmethod
    def _fy(cls, v: str | None) -> str | None:
        return None if v is None else check_fy(v)

    def applies_to(self, fy: str) -> bool:
        start = fy_start(fy)
        if self.first_year and start < fy_start(self.first_year):
            return False
        return not (self.last_year and start > fy_start(self.last_year))


class PlanSpec(_Strict):
    """How an organisation's own plan for a metric is read and judged.

    ``measure`` holds the planned monthly values (``plan_<id>`` from the plans file). ``on:
    value``: the plan is on the metric's own scale (e.g. a percentage); the planned value for a
    period is the plan weighted by the organisation's actual denominators, so it is comparable
    with the actual value and survives mergers. ``on: numerator``: the plan is a count or sum of
    the metric's numerator (e.g. people waiting over 52 weeks, surplus in £000). ``period:
    year`` compares the financial year as a whole, ``year_end`` its last month (March).
    """

    measure: str
    source: str = Field("plans", description="the source (settings key) that holds the plans")
    on: Literal["value", "numerator"] = "value"
    period: Literal["year", "year_end"] = "year"
    label: str = Field(description="what is planned, in plain words, e.g. '4-hour performance'")
    unit: str | None = Field(None, description="the unit of a numerator plan (default: metric's)")
    decimals: int | None = None


class ScoreBand(_Strict):
    """One band of a discrete score: values below ``below`` (the last band: any value) score
    ``score``. Bands are read in order and the first that holds is used."""

    below: float | None = Field(None, description="upper bound (exclusive); none: the rest")
    score: float = Field(ge=1.0, le=4.0)


class ScoringSpec(_Strict):
    """How a metric is scored from 1.00 (best) to 4.00 in the assessment (``helpers.assess``).

    * ``continuous``: from the organisation's place in its cohort (the assessment's
      ``assess.continuous`` setting chooses rank-based interpolation or value-based scaling);
    * ``discrete``: ``bands`` map the value to a score (e.g. a finance plan variance);
    * ``target``: ``met`` when the catalogue's ``standard`` is met, ``not_met`` otherwise;
    * ``none``: reported for context, not scored.
    """

    mode: Literal["continuous", "discrete", "target", "none"] = "continuous"
    bands: list[ScoreBand] = []
    met: float = Field(1.0, ge=1.0, le=4.0, description="target scoring: the score when met")
    not_met: float = Field(4.0, ge=1.0, le=4.0, description="target scoring: when not met")
    note: str = Field("", description="why the metric is scored this way, shown on its page")

    @model_validator(mode="after")
    def _bands(self) -> ScoringSpec:
        if self.mode == "discrete":
            if not self.bands or self.bands[-1].below is not None:
                raise ValueError(
                    "discrete scoring needs 'bands' whose last band has no 'below' (it takes "
                    "every value not caught by an earlier band)"
                )
            bounds = [b.below for b in self.bands[:-1]]
            if any(b is None for b in bounds) or bounds != sorted(bounds):  # type: ignore[type-var]
                raise ValueError("the 'below' bounds of discrete bands must increase")
        elif self.bands:
            raise ValueError(f"'bands' are only for discrete scoring, not {self.mode!r}")
        return self


class MetricSpec(_Strict):
    """One metric of the catalogue."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    short_title: str
    objective: str = Field(description="the strategic objective the metric derives from")
    domain: Literal[
        "access",
        "effectiveness_and_experience",
        "patient_safety",
        "people_and_workforce",
        "finance_and_productivity",
        "population_health",
        "capacity",
        "delivery_against_plans",
    ]
    org_types: list[OrgType] = Field(min_length=1)
    statistic: Statistic
    multiplier: float = 1.0
    unit: str
    decimals: int = 1
    polarity: Polarity
    ci_method: CiMethod
    standard: Target | None = None
    goals: list[Target] = []
    definitions: list[Definition] = Field(min_length=1)
    min_months: int = Field(9, ge=1, le=12, description="months needed for a year's value")
    description: str
    caveats: list[str] = []
    plan: PlanSpec | None = Field(
        None, description="organisations submit their own plan for this metric (plans file)"
    )
    national: National | None = Field(
        None, description="where NHS England's national headline for this metric comes from"
    )
    responsibility: Literal["own", "providers"] | None = Field(
        None,
        description="for ICB metrics: 'own' when the measure is the ICB's own commissioning "
        "responsibility (its population, whichever provider serves it), 'providers' when it is "
        "the performance of the providers it hosts; report cards say which",
    )
    scoring: ScoringSpec | None = Field(
        None,
        description="how the assessment scores the metric; default: continuous, or none when "
        "the polarity makes no judgement",
    )

    @property
    def score_mode(self) -> str:
        """The scoring mode in force (the default when the catalogue says nothing)."""
        if self.scoring is not None:
            return self.scoring.mode
        return "none" if self.polarity == "no_judgement" else "continuous"

    @model_validator(mode="after")
    def _consistent(self) -> MetricSpec:
        kinds = {"provider" if t in PROVIDER_TYPES else "commissioner" for t in self.org_types}
        if len(kinds) > 1:
            raise ValueError(
                "org_types mixes provider and commissioner types; providers and commissioners "
                "are never compared with each other: define two metrics"
            )
        expected = allowed_ci_methods(self.statistic)
        if self.ci_method not in expected:
            raise ValueError(
                f"ci_method {self.ci_method!r} does not fit statistic {self.statistic!r} "
                f"(expected one of {expected})"
            )
        if self.statistic == "mean" and any(d.sum_of_squares is None for d in self.definitions):
            raise ValueError("a mean needs 'sum_of_squares' in every definition (for its CI)")
        if self.score_mode in ("continuous", "discrete") and self.polarity == "no_judgement":
            raise ValueError(
                f"scoring mode {self.score_mode!r} needs a polarity that makes a judgement "
                "(higher_is_better or lower_is_better)"
            )
        if self.score_mode == "target" and self.standard is None:
            raise ValueError("target scoring needs a 'standard'")
        years = sorted((fy_start(d.first_year), fy_start(d.last_year)) for d in self.definitions)
        for (_, end), (start, _) in zip(years, years[1:], strict=False):
            if start <= end:
                raise ValueError("definitions overlap in financial years")
        return self

    def definition_for(self, fy: str) -> Definition | None:
        for d in self.definitions:
            if d.covers(fy):
                return d
        return None

    def goals_for(self, fy: str) -> list[Target]:
        return [g for g in self.goals if g.applies_to(fy)]


class Catalogue(_Strict):
    """The metric catalogue: the public set of metrics, derived from strategic objectives."""

    version: str
    objectives: dict[str, str] = Field(description="strategic objective -> plain-English aim")
    metrics: list[MetricSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Catalogue:
        ids = [m.id for m in self.metrics]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate metric ids: {dupes}")
        unknown = sorted({m.objective for m in self.metrics} - set(self.objectives))
        if unknown:
            raise ValueError(f"metrics name objectives not listed under 'objectives': {unknown}")
        return self

    def get(self, metric_id: str) -> MetricSpec:
        for m in self.metrics:
            if m.id == metric_id:
                return m
        raise KeyError(metric_id)


class Source(_Strict):
    """An input file and the reader that ingests it."""

    path: str
    reader: str = Field(description="name of a reader in helpers.ingest.readers.READERS")
    title: str
    publisher: str
    licence: str = "Open Government Licence v3.0"
    url: str = ""
    options: dict[str, Any] = {}


class KnownGap(_Strict):
    """Organisations known not to report a metric, with the reason shown on their pages."""

    org_codes: list[str] = Field(min_length=1)
    metrics: list[str] = Field(min_length=1)
    reason: str


Rating = Literal["green", "amber", "red"]


class Assumption(_Strict):
    """One entry of the assumptions and caveats log (as in the UK government's analytical
    quality assurance practice): what is assumed, how sound it is (``quality``: green = well
    founded, red = weak) and how much the results depend on it (``impact``: green = little,
    red = a lot), and what is done about it."""

    assumption: str
    quality: Rating
    impact: Rating
    note: str = ""


class SyntheticData(_Strict):
    """The assessment runs on a generated SYNTHETIC England (``assess demo-data``)."""

    scale: Literal["small", "england"] = "small"
    seed: int = 2026
    out: str = Field(description="folder of the generated files, relative to the project")


class FinancialOverride(_Strict):
    """NOF's financial override: an organisation in deficit is no better than ``max_segment``.

    An organisation is in deficit in a year when the catalogue metric ``metric`` (e.g. the
    outturn surplus as a share of income) is below ``deficit_below``; or when the file
    ``deficit_register`` (columns org_code, period, in_deficit) says so (e.g. receiving deficit
    support). Both the unadjusted and the adjusted segment are published."""

    metric: str | None = None
    deficit_below: float = 0.0
    deficit_register: str | None = Field(None, description="CSV of org_code, period, in_deficit")
    max_segment: int = Field(3, ge=1, le=4)

    @model_validator(mode="after")
    def _one(self) -> FinancialOverride:
        if (self.metric is None) == (self.deficit_register is None):
            raise ValueError("give exactly one of 'metric' or 'deficit_register'")
        return self


class Segment5Decision(_Strict):
    """A reviewed decision to place an organisation in segment 5 (intensive support through the
    Provider Improvement Programme). Never automatic: a person decides, and it is recorded."""

    org_code: str
    period: str
    reason: str = Field(min_length=1)
    capability: str = Field(min_length=1, description="the capability-to-improve judgement")
    decided_by: str = Field(min_length=1)
    decided_on: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")

    _fy = field_validator("period")(check_fy)


class NofCheck(_Strict):
    """Check the assessment against NHS England's published Oversight Framework segmentation:
    reproduce its segments with our engine and correlate our average scores (in ``period``)
    with its access-domain scores (:mod:`helpers.assess.nof`)."""

    extract: str = Field(description="the NOF league-table extract (CSV), relative to the project")
    period: str = Field(description="our financial year to set against NHS England's scores")

    _fy = field_validator("period")(check_fy)


class ShmiContext(_Strict):
    """NHS England's trust-level SHMI file shown as context, never scored: its limits and
    banding reproduced (:mod:`helpers.assess.shmi`) and each trust's SHMI with NHS England's
    banding on its report card. Its rolling year need not be a financial year assessed."""

    file: str = Field(description="NHS England's trust-level SHMI CSV, relative to the project")
    period: str = Field(
        min_length=1, description="the rolling year in words, e.g. 'Feb 2025 – Jan 2026'"
    )


class PersistentFailure(_Strict):
    """Persistent failure: ``years`` consecutive financial years each of which is *failing*:
    in the lowest segment (``segment`` or worse, after the override) with at least
    ``min_probability`` that the organisation really is in that segment (from the simulation),
    or, when ``spc_metrics`` names core metrics, special-cause concern at the year end on at
    least ``spc_min_metrics`` of them (Making Data Count XmR chart of the monthly values).

    The default probability, 0.8, keeps false flags rare: against the planted truth of the
    SYNTHETIC England (1,235 organisation-years) it finds 38 of the 40 persistently failing
    organisation-years with 1 false flag, where 0.5 finds all 40 with 12
    (``tests/tools/truth_coverage.py``). The SPC trigger (:mod:`helpers.assess.spc_concern`, on
    each organisation's monthly gap to its peers) is off by default: the run rules fire often on
    monthly data. On the SYNTHETIC England's acute trusts, where no deterioration is planted,
    concern on one of the 4-hour and 12-hour metrics marks 101 of 555 trust-years, on both 9;
    the real UEC assessment therefore requires both of its two A&E core metrics.

    By default a failing year needs the lowest segment: special-cause concern is shown beside
    it as evidence, and puts an organisation outside the lowest segment into persistent failure
    only with ``spc_alone: true``."""

    years: int = Field(2, ge=2, description="consecutive years in the lowest segment")
    segment: int = Field(4, ge=1, le=4)
    min_probability: float = Field(0.8, ge=0.0, le=1.0)
    spc_metrics: list[str] = Field(default_factory=list)
    spc_min_metrics: int = Field(1, ge=1)
    spc_alone: bool = Field(
        False,
        description="count a year with special-cause concern as failing even when the "
        "organisation is not in the lowest segment (default: concern is evidence shown beside "
        "the segment, and a failing year needs the lowest segment)",
    )


class PlanScoring(_Strict):
    """Promises kept: the share of an organisation's own plans it delivered in the year (at
    least as good as planned), published for every organisation with plans and, with
    ``scored``, a scored metric of its own (like NOF's planned versus actual measure), by rank
    in the cohort, higher is better; in the simulation each plan on a metric's value is
    re-judged against the metric's drawn value."""

    scored: bool = True
    weight: float = Field(1.0, gt=0)
    min_plans: int = Field(1, ge=1, description="plans needed in the year to be scored")


class When(_Strict):
    """The conditions of a consequence rule; every condition given must hold (no code is
    evaluated: each key is one fixed test)."""

    segments: list[int] | None = Field(None, description="the adjusted segment is one of these")
    persistent_failure: bool | None = None
    in_deficit: bool | None = None
    min_plan_delivery: float | None = Field(None, ge=0, le=1)
    top_quartile_on: str | None = Field(
        None, description="a metric id: the organisation ranks in the cohort's top quarter on it"
    )


class ConsequenceRule(_Strict):
    """A consequence and when it applies. Rules are read in order; the first that holds wins.

    The pages word it as an implication of the rules ("under this assessment's rules, an
    organisation in this position would be offered ..."), never as a decision. ``people`` is
    the part that concerns named people (pay, posts): it is shown only where the assessment's
    ``people_consequences`` setting allows it."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    when: When
    consequence: str = Field(min_length=1)
    people: str | None = Field(
        None, description="what would follow for the organisation's leaders (pay, posts)"
    )


DEFAULT_CONSEQUENCES: list[dict[str, Any]] = [
    {
        "name": "intensive_support",
        "when": {"segments": [5]},
        "consequence": "Intensive support through the Provider Improvement Programme",
    },
    {
        "name": "turnaround",
        "when": {"persistent_failure": True},
        "consequence": "Turnaround: intensive support and an improvement plan, with its "
        "freedoms withdrawn",
        "people": "no pay uplift for its leaders",
    },
    {
        "name": "autonomy_and_capital",
        "when": {"segments": [1], "top_quartile_on": "finance_outturn_margin_pct"},
        "consequence": "Earned autonomy and capital flexibility, with a larger capital share "
        "for the best financial management",
    },
    {
        "name": "autonomy",
        "when": {"segments": [1]},
        "consequence": "Earned autonomy and capital flexibility: lighter oversight",
    },
    {
        "name": "support",
        "when": {"segments": [2, 3]},
        "consequence": "Support offer: targeted help on the metrics where it scores worst",
    },
    {
        "name": "improvement",
        "when": {"segments": [4]},
        "consequence": "Improvement support: an agreed recovery plan, reviewed each quarter",
    },
]


class AssessmentRules(_Strict):
    """The rules of the assessment stage (``helpers.assess``): scores, segments, uncertainty.

    Every rule has a documented default; see the methodology page of any assessment."""

    continuous: Literal["rank", "value"] = Field(
        "rank",
        description="continuous scores: 'rank' = 1 + 3·(rank−1)/(N−1); 'value' = scaled "
        "between the cohort's best (1) and worst (4) value",
    )
    ties: Literal["average", "min"] = Field(
        "average", description="rank-based scores of tied values: their average rank, or the best"
    )
    weights: dict[str, float] = Field(
        {}, description="metric id -> weight in the average score (default 1 each)"
    )
    min_metrics: int | None = Field(
        None,
        ge=1,
        description="scored metrics needed to be segmented (default: half of the metrics "
        "scored in the cohort that year, rounded up)",
    )
    segmentation: Literal["quartiles", "thresholds"] = "quartiles"
    thresholds: list[float] | None = Field(
        None,
        description="segmentation by thresholds: the three upper bounds (inclusive) of the "
        "average score for segments 1, 2 and 3",
    )
    financial_override: FinancialOverride | None = None
    specialist: Literal["flag", "own_cohort"] = Field(
        "own_cohort",
        description="specialist acute trusts: in a cohort of their own (default: scored on "
        "fewer metrics, they would otherwise top the general acute trusts' table), or ranked "
        "with the others and flagged (NOF's practice)",
    )
    segment_5: list[Segment5Decision] = []
    n_draws: int = Field(1000, ge=100, description="simulation draws for the likely ranges")
    month_to_month: bool = Field(
        True, description="carry month-to-month variation within the year into the draws"
    )
    rank_model: Literal["fixed", "random_effects"] = Field(
        "fixed",
        description="per-metric draws from each value's own sampling distribution, or from a "
        "random-effects model that shrinks small organisations' extreme values (proportions "
        "and rates)",
    )

    nof_check: NofCheck | None = Field(
        None, description="reproduce NHS England's published segments and compare scores"
    )
    shmi: ShmiContext | None = Field(
        None, description="NHS England's SHMI (one rolling year) as context, not scored"
    )
    persistent_failure: PersistentFailure = Field(default_factory=PersistentFailure)
    plans: PlanScoring = Field(default_factory=PlanScoring)
    consequences: list[ConsequenceRule] = Field(
        default_factory=lambda: [ConsequenceRule.model_validate(r) for r in DEFAULT_CONSEQUENCES]
    )
    people_consequences: bool = Field(
        False,
        description="show the consequences for named organisations' leaders (a rule's "
        "'people', e.g. pay): off by default, and for real organisations only where the "
        "publisher has the standing to say so",
    )
    sensitivity_thresholds: list[float] = Field(
        [2.095, 2.355, 2.70],
        description="the thresholds tried in the sensitivity analysis when the assessment "
        "segments by quartiles (default: the cut-offs NHS England's 2025/26 Q3 segments imply)",
    )

    @model_validator(mode="after")
    def _thresholds(self) -> AssessmentRules:
        if self.segmentation == "thresholds":
            t = self.thresholds
            if t is None or len(t) != 3 or t != sorted(t) or not 1 <= t[0] <= t[-1] <= 4:
                raise ValueError(
                    "segmentation by thresholds needs 'thresholds': three increasing average "
                    "scores between 1 and 4 (the upper bounds of segments 1, 2 and 3)"
                )
        elif self.thresholds is not None:
            raise ValueError("'thresholds' are only used with segmentation: thresholds")
        if any(w <= 0 for w in self.weights.values()):
            raise ValueError("metric weights must be greater than 0")
        return self


class Disclosure(_Strict):
    """Disclosure control of small numbers (NHS England's and HES's practice): every published
    count from 1 to ``min_count - 1`` is suppressed on the pages, figures and downloads, with
    secondary suppression so that it cannot be worked out from a published total. The
    assessment itself uses the true values (:mod:`helpers.publish.disclosure`)."""

    min_count: int = Field(
        8, ge=0, description="counts from 1 to min_count - 1 are suppressed (0: no suppression)"
    )
    metrics: Literal["record_level", "all", "none"] | list[str] = Field(
        "record_level",
        description="the metrics whose counts are controlled: 'record_level' (built from a "
        "record-level source, whose counts this assessment is the first to publish), 'all', "
        "'none', or a list of metric ids",
    )
    suppress_zeros: bool = Field(
        False, description="suppress counts of 0 too (by default a zero is published)"
    )


# The likely ranges of a framework assessment's league table (helpers.assess.nof_uncertainty):
# ``nhse_metric_bootstrap`` reproduces NHS England's published ranges (a trust's own metric
# scores resampled with replacement: the spread of its scores across its metrics);
# ``quarter_variation`` is ours (how much each of its scores moved between the quarters).
NofUncertaintyMethod = Literal["nhse_metric_bootstrap", "quarter_variation"]

#: enough draws that the bounds' Monte Carlo noise (about 0.005 in the average score's bounds
#: at 20,000 draws, by reruns with other seeds) is below the 2 decimals NHS England publishes
DEFAULT_DRAWS = 20_000
DEFAULT_SEED = 20260331


class NofUncertainty(_Strict):
    """How the likely ranges of average score and rank of a NOF league table are simulated."""

    method: NofUncertaintyMethod = Field(
        "nhse_metric_bootstrap",
        description="nhse_metric_bootstrap (NHS England's published ranges, reproduced: spread "
        "of a trust's scores across its metrics) or quarter_variation (ours: movement of each "
        "score between the quarters of the year)",
    )
    draws: int = Field(
        DEFAULT_DRAWS, ge=100, le=1_000_000, description="simulated draws (at least 100)"
    )
    seed: int = Field(DEFAULT_SEED, ge=0, description="seed of the random draws (reproducible)")
    level: float = Field(
        0.95, gt=0, lt=1, description="coverage of the likely range (0.95: 2.5th-97.5th pct)"
    )


class FrameworkSettings(_Strict):
    """An assessment of NHS England's own Oversight Framework: NHS England's published metric
    values, scored by the framework's rules (recomputed, and checked against NHS England's own
    scores), by quarter. It has no counts, so no confidence intervals of the values."""

    catalogue: str = Field(description="the framework catalogue (config/nof/...): scoring rules")
    values: str = Field("nof_metrics", description="the source key of the long metric file")
    league_table: str | None = Field(
        "nof_league", description="the source key of NHS England's league table (likely ranges)"
    )
    trust_type: str = Field(description="NHS England's Trust_type of the trusts assessed")
    cohort: Literal["one", "by_subtype"] = Field(
        "one",
        description="'one': every trust of the type in one league table, as NHS England ranks "
        "them; 'by_subtype': one table per subtype (mental health, community, care trust)",
    )
    uncertainty: NofUncertainty = Field(default_factory=NofUncertainty)


class AssessmentSettings(_Strict):
    """One assessment run: what to assess, from which files, with which metrics."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    short_title: str
    summary: str
    role: Literal["primary", "topic"] = Field(
        "primary",
        description="'primary': the verdict on each organisation of its type (one per type); "
        "'topic': a view of one domain, linked to and from the primary report card",
    )
    topic: str | None = Field(
        None, description="a topic assessment's domain in words, e.g. 'urgent and emergency care'"
    )
    org_type: OrgType = Field(description="the peer group assessed")
    catalogue: str | None = Field(
        None, description="path of the metric catalogue, relative to the project"
    )
    framework: FrameworkSettings | None = Field(
        None,
        description="an assessment of NHS England's Oversight Framework from its published "
        "metric values (instead of a metric catalogue)",
    )
    metrics: list[str] | None = Field(None, description="subset of catalogue ids; default all")
    financial_years: list[str] = Field(min_length=1)
    sources: dict[str, Source]
    reference: dict[str, Source]
    org_codes: list[str] | None = Field(
        None, description="publish pages for these organisations only (benchmarks use all)"
    )
    known_gaps: list[KnownGap] = []
    assumptions: list[Assumption] = Field(
        default_factory=list, description="the assumptions and caveats log, with RAG ratings"
    )
    max_rejected_rows: int = Field(0, ge=0, description="invalid rows tolerated before failing")
    seed: int = 20260401
    synthetic: SyntheticData | None = Field(
        None, description="generate this synthetic data set first when it is missing"
    )
    assess: AssessmentRules = Field(
        default_factory=AssessmentRules, description="the scoring and segmentation rules"
    )
    disclosure: Disclosure = Field(
        default_factory=Disclosure, description="suppression of small counts in what is published"
    )
    comparison: Literal["overdispersion", "confidence_interval"] = Field(
        "overdispersion",
        description="the headline comparison with England (comparison_headline): "
        "'overdispersion' judges by the overdispersed funnel's 95% limits where the metric-year "
        "shows variation between organisations beyond chance (phi > 1), else by the "
        "organisation's own 95% interval; 'confidence_interval' always by its own interval",
    )

    @field_validator("financial_years")
    @classmethod
    def _fys(cls, v: list[str]) -> list[str]:
        return [check_fy(x) for x in v]

    @model_validator(mode="after")
    def _kind(self) -> AssessmentSettings:
        if (self.catalogue is None) == (self.framework is None):
            raise ValueError(
                "an assessment names either a metric 'catalogue' or a 'framework' (NHS "
                "England's Oversight Framework from its published values), not both or neither"
            )
        return self

    @property
    def kind(self) -> str:
        """'framework' (NHS England's framework recomputed) or 'indicators' (from counts)."""
        return "framework" if self.framework is not None else "indicators"

    @property
    def catalogue_file(self) -> str:
        """The catalogue file of either kind (the framework's scoring rules, or the metrics)."""
        if self.framework is not None:
            return self.framework.catalogue
        assert self.catalogue is not None
        return self.catalogue

    @model_validator(mode="after")
    def _topic(self) -> AssessmentSettings:
        if (self.role == "topic") != (self.topic is not None):
            raise ValueError(
                "'topic' (the domain in words) goes with role: topic, and only with it"
            )
        return self


class Publisher(_Strict):
    """Who publishes the site, and the one sentence every page, report card, league table and
    download carries to say what the assessment is (and is not). ``{publisher}`` in ``status``
    stands for ``name`` (plain text replacement; nothing is evaluated)."""

    name: str = Field("the annual-assessment project", min_length=1)
    official: bool = Field(
        False, description="true only for a body whose assessment this officially is"
    )
    status: str = Field(
        "An independent assessment by {publisher}, built from published statistics: it is not "
        "NHS England's Oversight Framework and not a decision by any NHS body.",
        min_length=1,
    )
    purpose: str = Field(
        "It is for the public, journalists and analysts who want to see how NHS organisations "
        "compare with their peers, with the uncertainty shown; it decides nothing about any "
        "organisation or person.",
        min_length=1,
        description="what the assessment is for, in a sentence or two (the About page)",
    )

    def status_sentence(self) -> str:
        return self.status.replace("{publisher}", self.name)


class SiteSettings(_Strict):
    """The site as a whole (``config/site.yml``): its title and its publisher."""

    title: str = Field("Independent assessment of NHS organisations", min_length=1)
    subtitle: str = Field(
        "How NHS organisations compare with their peers, with the uncertainty shown", min_length=1
    )
    publisher: Publisher = Field(default_factory=Publisher)


class LoadedAssessment(BaseModel):
    """Validated settings with the catalogue resolved and the metrics selected."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    settings: AssessmentSettings
    catalogue: Catalogue = Field(
        description="the metric catalogue (a framework assessment's has no metrics)"
    )
    framework: Any = Field(
        None, description="the framework catalogue of a framework assessment (helpers.settings.nof)"
    )
    site: SiteSettings = Field(default_factory=SiteSettings)
    metrics: list[MetricSpec]
    settings_path: Path
    root: Path
    settings_files: list[Path] = Field(
        default_factory=list, description="the settings file and the files it extends"
    )

    def path(self, relative: str) -> Path:
        return (self.root / relative).resolve()
