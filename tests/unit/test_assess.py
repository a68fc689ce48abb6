"""Deployment assessment: the displacement measures against published formulas and worked numbers,
and the whole assessment on synthetic incident frames with a planted effect (or none)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo.assess import (
    assess,
    displacement,
    periods,
    relative_change_test,
    wdd,
    wdq_reading,
)
from geo.deployments import Deployment
from render.assessment import TOO_FEW, sentence

# ---- the measures -----------------------------------------------------------------------------


def test_wdq_and_total_net_effect_follow_bowers_johnson_and_guerette():
    # Formulas of Guerette (2009), "Analyzing crime displacement and diffusion", POP tool guide 10,
    # appendix B (after Bowers & Johnson 2003): success = Ra/Ca - Rb/Cb, buffer = Da/Ca - Db/Cb,
    # WDQ = buffer / success, TNE = [Rb(Ca/Cb) - Ra] + [Db(Ca/Cb) - Da].  Worked by hand:
    # Rb=100, Ra=50, Db=80, Da=60, Cb=200, Ca=180:
    #   success = 50/180 - 100/200 = -2/9; buffer = 60/180 - 80/200 = -1/15; WDQ = (1/15)/(2/9) = 0.3
    #   TNE = (100*0.9 - 50) + (80*0.9 - 60) = 40 + 12 = 52 crimes prevented.
    m = displacement(rb=100, ra=50, bb=80, ba=60, cb=200, ca=180)
    assert m.success_measure == pytest.approx(-2 / 9)
    assert m.buffer_measure == pytest.approx(-1 / 15)
    assert m.wdq == pytest.approx(0.3)
    assert m.total_net_effect == pytest.approx(52.0)
    assert m.reading == "diffusion of benefit"
    # Displacement: the buffer rises from 80 to 100 while the control falls 10%:
    #   buffer = 100/180 - 0.4 = 0.1556; WDQ = 0.1556 / -0.2222 = -0.7; TNE = 40 + (72 - 100) = 12.
    m = displacement(rb=100, ra=50, bb=80, ba=100, cb=200, ca=180)
    assert m.wdq == pytest.approx(-0.7)
    assert m.total_net_effect == pytest.approx(12.0)
    assert m.reading.startswith("some displacement")
    # No relative success (the target rose with the control): the quotient is not read.
    m = displacement(rb=100, ra=110, bb=80, ba=100, cb=200, ca=200)
    assert m.success_measure > 0 and m.wdq is None and "does not apply" in m.reading


def test_wdq_reading_bands_are_guerettes_appendix_c():
    assert wdq_reading(-0.2, 1.5) == "diffusion of benefit greater than the direct effect"
    assert wdq_reading(-0.2, 0.5) == "diffusion of benefit"
    assert wdq_reading(-0.2, 0.0) == "no displacement or diffusion"
    assert wdq_reading(-0.2, -0.5).startswith("some displacement, smaller than the direct effect")
    assert wdq_reading(-0.2, -1.5).startswith("displacement greater than the direct effect")
    # A positive success measure means the response did not work: the WDQ is not read.
    assert "does not apply" in wdq_reading(0.1, -3.0)


def test_wdd_matches_wheeler_and_ratcliffe_worked_example():
    # Wheeler's WDD example (crimede-coder.com, "Some extensions to the WDD statistic", 2025):
    # control 100 -> 90, treated 100 -> 80: 10 crimes fewer than the control's trend, SE 19.
    est, se = wdd(rb=100, ra=80, cb=100, ca=90)
    assert est == -10
    assert round(se) == 19 and se == pytest.approx(np.sqrt(370))


def test_relative_change_test_is_fishers_exact_on_the_two_by_two():
    from scipy.stats import fisher_exact

    t = relative_change_test(xb=84, xa=40, cb=140, ca=138)
    assert t.p_value == pytest.approx(fisher_exact([[40, 84], [138, 140]]).pvalue)
    assert t.ratio < 1 and t.ci_low < t.ratio < t.ci_high < 1 and t.significant()
    same = relative_change_test(xb=50, xa=50, cb=100, ca=100)
    assert same.ratio == pytest.approx(1.0) and same.p_value == pytest.approx(1.0)
    assert relative_change_test(0, 0, 10, 10).p_value is None


# ---- the assessment on planted data -----------------------------------------------------------

TARGET = (450_000.0, 130_000.0)
START, END = date(2007, 3, 5), date(2007, 4, 1)  # 28 days


def _points(rng, n, centre, r0, r1):
    r = np.sqrt(rng.uniform(r0**2, r1**2, n))
    a = rng.uniform(0, 2 * np.pi, n)
    return centre[0] + r * np.cos(a), centre[1] + r * np.sin(a)


def _square(rng, n, centre, side):
    return centre[0] + rng.uniform(-side / 2, side / 2, n), centre[1] + rng.uniform(-side / 2, side / 2, n)


def _frame(seed, target_factor=1.0, buffer_factor=1.0, hour=22):
    """Daily Poisson incidents over 15 months: target disc, buffer annulus, control squares A (same
    seasonality as the target), B (opposite) and T (touching the buffer); factors apply during."""
    rng = np.random.default_rng(seed)
    areas = [
        ("target", 3.0, lambda n: _points(rng, n, TARGET, 0, 140), 1),
        ("buffer", 3.0, lambda n: _points(rng, n, TARGET, 160, 340), 1),
        ("A", 5.0, lambda n: _square(rng, n, (460_000, 130_000), 500), 1),
        ("B", 5.0, lambda n: _square(rng, n, (440_000, 130_000), 500), -1),
        ("T", 2.0, lambda n: _square(rng, n, (450_500, 130_000), 300), 1),
    ]
    days = pd.date_range("2006-03-01", "2007-05-31", freq="D")
    during = (days >= pd.Timestamp(START)) & (days <= pd.Timestamp(END))
    parts = []
    for name, rate, draw, sign in areas:
        lam = rate * (1.0 + sign * 0.6 * np.sin(2 * np.pi * days.month.to_numpy() / 12))
        if name == "target":
            lam = np.where(during, lam * target_factor, lam)
        if name == "buffer":
            lam = np.where(during, lam * buffer_factor, lam)
        n = rng.poisson(lam)
        when = np.repeat(days, n) + pd.to_timedelta(hour * 60 + rng.integers(0, 60, n.sum()), unit="min")
        x, y = draw(int(n.sum()))
        parts.append(
            pd.DataFrame(
                {"occurred_from": when.tz_localize("Europe/London"), "easting": x, "northing": y, "area": name}
            )
        )
    df = pd.concat(parts, ignore_index=True)
    df["occurred_to"] = df["occurred_from"]
    df["time_precision"] = "time"
    df["crime_type"] = "Anti-social behaviour"
    df["ho_category"] = pd.NA
    df["sector"] = "x"
    df["source"] = "test"
    return df


CANDIDATES = [
    ("A", box(459_700, 129_700, 460_300, 130_300)),
    ("B", box(439_700, 129_700, 440_300, 130_300)),
    ("T", box(450_340, 129_840, 450_660, 130_160)),  # touches the 200 m buffer (it ends at 450,350)
]


def _deployment(**kw) -> Deployment:
    return Deployment(
        kind="van",
        place="site",
        geometry_wkt=Point(TARGET).buffer(150, 32).wkt,
        date_from=START,
        date_to=END,
        who="Test",
        id=1,
        **kw,
    )


def test_planted_reduction_is_found_and_significant():
    a = assess(_frame(seed=1, target_factor=0.5), _deployment(), CANDIDATES, buffer_m=200)
    assert a.control.label == "A" and a.control.correlation > 0.5
    assert set(a.candidates.loc[a.candidates["excluded"], "area"]) == {"T"}
    assert a.change_pct("target") == pytest.approx(-50, abs=20)
    assert a.target_test.significant() and a.target_test.ratio < 1
    assert not a.buffer_test.significant()
    assert a.measures.success_measure < 0 and a.measures.total_net_effect > 0
    assert not a.too_few
    text = sentence(a)
    assert text.startswith("Crime fell") and "is significant" in text and "buffer shows no displacement" in text


def test_no_change_is_not_significant():
    a = assess(_frame(seed=2), _deployment(), CANDIDATES, buffer_m=200)
    assert a.control.label == "A"
    assert not a.target_test.significant()
    assert "not significant" in sentence(a)


def test_planted_displacement_into_the_buffer_is_reported():
    a = assess(_frame(seed=3, target_factor=0.4, buffer_factor=2.0), _deployment(), CANDIDATES, buffer_m=200)
    assert a.target_test.significant() and a.buffer_test.significant()
    assert a.measures.wdq < 0
    assert "displacement" in sentence(a) and "no displacement" not in sentence(a)


def test_hours_outside_the_deployment_window_are_not_counted():
    df = _frame(seed=4, hour=14)  # every incident at 14:00-15:00
    a = assess(df, _deployment(hours=(20, 4)), CANDIDATES, buffer_m=200)
    assert a.counts[["before", "during", "after"]].to_numpy().sum() == 0
    assert a.control is None and "No control" in sentence(a)


def test_small_counts_are_marked_too_few():
    df = _frame(seed=5)
    few = df[(df["area"] != "target") | (df.index % 30 == 0)]
    a = assess(few, _deployment(), CANDIDATES, buffer_m=200)
    assert a.too_few and sentence(a).startswith(TOO_FEW)


def test_periods_default_to_the_deployments_length_and_keep_whole_months():
    d = _deployment()
    p = periods(d)
    assert p["before"] == (date(2007, 2, 5), date(2007, 3, 4)) and p["after"] == (date(2007, 4, 2), date(2007, 4, 29))
    whole = Deployment(**{**d.__dict__, "date_from": date(2007, 3, 1), "date_to": date(2007, 4, 30)})
    q = periods(whole)
    assert q["before"] == (date(2007, 1, 1), date(2007, 2, 28)) and q["after"] == (date(2007, 5, 1), date(2007, 6, 30))
    with pytest.raises(ValueError):
        assess(_frame(seed=6).head(10), d, CANDIDATES, compare="later")


# ---- the service on the demo store ------------------------------------------------------------


def test_service_assesses_a_recorded_deployment_with_a_chosen_or_automatic_control(demo_store, tmp_path):
    import shutil

    from geo.errors import NotFoundError
    from service.assess import AssessOptions, run_assess
    from service.deployments import DeploymentInput, add_deployment, remove_deployment
    from service.errors import OptionsError
    from service.source import Source

    shutil.copy(demo_store.path, tmp_path / "s.duckdb")
    source = Source.build(tmp_path / "s.duckdb", demo_store.district.folder)
    params = {
        "kind": "van",
        "site": "448200,129400",
        "radius": "150",
        "from": "02/11/2007",
        "to": "29/12/2007",
        "who": "PC Smith",
    }
    d = add_deployment(source, DeploymentInput.from_params(params))
    auto = run_assess(source, AssessOptions(deployment_id=d.id))
    a = auto.assessment
    assert a.control is not None and a.control.method.startswith("automatic")
    c = a.candidates.set_index("area")
    mine = c.loc[a.control.label]
    assert not mine["excluded"]
    # No candidate at least as busy correlates better (busier candidates are preferred, then correlation).
    rivals = c[~c["excluded"] & (c["prior_count"] >= mine["prior_count"])]
    assert rivals["correlation"].max() == mine["correlation"]
    # Every candidate touching the target or its buffer was excluded, the ward holding the site among them.
    assert "St Bartholomew ward" in set(a.candidates.loc[a.candidates["excluded"], "area"])
    assert a.value("target", "before") > 0 and auto.sentence.startswith(("Crime", "Too few"))
    ward = run_assess(source, AssessOptions.from_params({"deployment": str(d.id), "control": "ward:st luke"}))
    assert ward.assessment.control.label == "St Luke ward" and ward.assessment.control.method == "drawn by the user"
    opts = AssessOptions.from_params({"deployment": "1", "buffer": "300", "compare": "after", "crime": "Robbery"})
    assert AssessOptions.from_params(opts.to_params()) == opts
    with pytest.raises(OptionsError, match="no ward called 'Nowhere'"):
        run_assess(source, AssessOptions.from_params({"deployment": "1", "control": "ward:Nowhere"}))
    with pytest.raises(OptionsError, match="buffer ring width"):
        AssessOptions.from_params({"deployment": "1", "buffer": "5"})
    remove_deployment(source, d.id)
    with pytest.raises(NotFoundError):
        run_assess(source, AssessOptions(deployment_id=d.id))
    # The same id recorded again elsewhere is assessed afresh, not answered from the cache.
    again = add_deployment(source, DeploymentInput.from_params({**params, "site": "448000,129700"}))
    assert again.id == d.id
    fresh = run_assess(source, AssessOptions(deployment_id=again.id)).assessment
    assert fresh.deployment.geometry_wkt != a.deployment.geometry_wkt
