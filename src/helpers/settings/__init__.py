"""Assessment settings and the metric catalogue: the pydantic models and how they are read.

* :mod:`helpers.settings.models`: the models (what a settings file and a catalogue may say).
* :mod:`helpers.settings.load`: reading YAML (``extends:``, ``{synthetic}``), validating it and
  resolving the assessment's metrics (:func:`load_assessment`).
* :mod:`helpers.settings.nof`: the NHS Oversight Framework catalogue (``config/nof/``) and
  :func:`~helpers.settings.load.load_nof_framework`.
"""

from helpers.settings.load import (
    load_assessment,
    load_catalogue,
    load_nof_framework,
    load_site,
    read_settings,
)
from helpers.settings.models import (
    MAX_METRICS,
    AssessmentRules,
    AssessmentSettings,
    Assumption,
    Catalogue,
    ConfigError,
    ConsequenceRule,
    Definition,
    Disclosure,
    FinancialOverride,
    FrameworkSettings,
    LoadedAssessment,
    MetricSpec,
    NofUncertainty,
    PersistentFailure,
    PlanScoring,
    PlanSpec,
    Publisher,
    ScoreBand,
    ScoringSpec,
    Segment5Decision,
    SiteSettings,
    Source,
    SyntheticData,
    Target,
)

__all__ = [
    "load_nof_framework",
    "FrameworkSettings",
    "NofUncertainty",
    "Assumption",
    "ConsequenceRule",
    "PersistentFailure",
    "PlanScoring",
    "AssessmentRules",
    "FinancialOverride",
    "ScoreBand",
    "ScoringSpec",
    "Segment5Decision",
    "MAX_METRICS",
    "AssessmentSettings",
    "Catalogue",
    "ConfigError",
    "Definition",
    "Disclosure",
    "LoadedAssessment",
    "MetricSpec",
    "PlanSpec",
    "Source",
    "SyntheticData",
    "Target",
    "load_assessment",
    "load_catalogue",
    "load_site",
    "Publisher",
    "SiteSettings",
    "read_settings",
]
