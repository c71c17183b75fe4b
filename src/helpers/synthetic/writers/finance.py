"""Finance: providers' planned and outturn surplus (a workbook with bracketed deficits) and the
cost collection's actual and expected cost (the cost index)."""

from __future__ import annotations

import numpy as np
from openpyxl import Workbook

from helpers.core.fy import fy_label
from helpers.synthetic.files import SYNTHETIC_LABEL, save_workbook, title_rows, write_row
from helpers.synthetic.model import random_stream
from helpers.synthetic.plant import plant
from helpers.synthetic.world import FAILING_SHIFT
from helpers.synthetic.writers.context import Output

_INCOME = {
    "acute_trust": 500000,
    "mental_health_trust": 250000,
    "community_trust": 180000,
    "ambulance_trust": 300000,
}
_HEADER = [
    "Financial Year",
    "Org Code",
    "Org Name",
    "Org Type",
    "Planned surplus/(deficit) £000",
    "Outturn surplus/(deficit) £000",
    "Operating income £000",
]


def write_finance(out: Output) -> None:
    """``finance_plan_outturn.xlsx`` and ``cost_index.csv``; collects the surplus plans."""
    w = out.world
    rng = random_stream(w.seed, 17)
    t = w.orgs[w.orgs.org_type != "icb"]
    codes = t.org_code.tolist()
    uc = plant(w, codes, "cost_index", "rate_ratio", 0.03, (0.12, 0.16), 19, worse=1)
    inc0 = t.org_type.map(_INCOME).to_numpy()
    inc0 = inc0 * t.size_index.to_numpy()
    # the failing organisations fall further short of their plans (by FAILING_SHIFT sd)
    short = np.array([FAILING_SHIFT * _SHORTFALL_SD if c in w.failing else 0.0 for c in codes])
    wb = Workbook()
    ws = wb.active
    ws.title = "Plan and outturn"
    r = title_rows(ws, [SYNTHETIC_LABEL, "Provider financial plans and outturn, £000", out.note])
    write_row(ws, r, _HEADER)
    r += 1
    n = 0
    cost_rows = []
    plan_parts = []
    act = w.active.loc[codes]
    for y, fy in enumerate(w.fys):
        cols = w.month_indices(fy)
        months_open = act.iloc[:, cols].to_numpy().sum(axis=1)
        income, plan, outturn, expected, actual = _year(rng, inc0, uc, y, months_open, short)
        _expect_accounts(
            out,
            codes,
            cols[0],
            months_open > 0,
            {
                "income": income,
                "plan": plan,
                "outturn": outturn,
                "expected": expected,
                "actual": actual,
            },
        )
        for o in range(len(codes)):
            if months_open[o] == 0:
                continue
            vals = [
                fy_label(fy),
                codes[o],
                t.org_name.iat[o],
                t.org_type.iat[o],
                int(round(plan[o])),
                int(round(outturn[o])),
                int(round(income[o])),
            ]
            for c, v in enumerate(vals, start=1):
                cell = ws.cell(row=r, column=c, value=v)
                if c >= 5:
                    cell.number_format = "#,##0;(#,##0)"
            r += 1
            n += 1
            cost_rows.append(
                [
                    fy_label(fy),
                    codes[o],
                    t.org_name.iat[o],
                    str(int(round(actual[o]))),
                    str(int(round(expected[o]))),
                ]
            )
        monthly = np.repeat((plan / np.maximum(months_open, 1))[:, None], len(cols), axis=1)
        plan_parts.append(monthly)
    r += 1
    ws.cell(row=r, column=1, value="Note: (brackets) = deficit. Year-end outturn.")
    save_workbook(wb, out.folder / "finance_plan_outturn.xlsx")
    out.done("finance_plan_outturn.xlsx", n)
    out.plan(codes, "finance_surplus_k", np.concatenate(plan_parts, axis=1), 0)
    out.csv(
        "cost_index.csv",
        ["Financial Year", "Org Code", "Org Name", "Actual cost £000", "Expected cost £000"],
        cost_rows,
        out.title("Cost collection: actual cost and expected (national tariff) cost"),
        ["Note: cost index = 100 x actual / expected."],
    )


def _expect_accounts(
    out: Output, codes: list[str], col: int, shown: np.ndarray, figures: dict[str, np.ndarray]
) -> None:
    """Accounts are not sample estimates: the expected figures are the published ones (whole
    £000, as written); ``figures``: income, plan, outturn, expected (cost) and actual (cost)."""
    k = {name: np.array([int(round(v)) for v in x], dtype=float) for name, x in figures.items()}
    pairs = {
        ("outturn_surplus_k", "operating_income_k"): (k["outturn"], k["income"]),
        ("plan_surplus_k", "operating_income_k"): (k["plan"], k["income"]),
        ("finance_variance_k", "operating_income_k"): (k["outturn"] - k["plan"], k["income"]),
        ("cost_actual_k", "cost_expected_k"): (k["actual"], k["expected"]),
    }
    for (num_measure, den_measure), (num, den) in pairs.items():
        out.expect(
            codes, num_measure, den_measure, num[:, None], den[:, None], shown[:, None], [col]
        )


#: spread of the outturn against plan, as a share of income
_SHORTFALL_SD = 0.008


def _year(
    rng: np.random.Generator,
    inc0: np.ndarray,
    uc: np.ndarray,
    y: int,
    months_open: np.ndarray,
    short: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Income, planned and outturn surplus, expected and actual cost of the ``y``-th year
    (``short``: a further shortfall against plan, as a share of income)."""
    n = len(inc0)
    income = inc0 * (1.05**y) * months_open / 12 * np.exp(rng.normal(0, 0.01, n))
    plan = income * rng.normal(0.002, 0.006, n)
    outturn = plan + income * (rng.normal(-0.003, _SHORTFALL_SD, n) - short)  # most fall short
    expected = income * 0.96
    actual = expected * np.exp(uc + rng.normal(0, 0.01, n))
    return income, plan, outturn, expected, actual
