"""A deployment assessment in words and as an HTML table (every data string escaped).

The wording follows the standard reading of the measures (see :mod:`geo.assess`): percentages
are changes of the daily rate from *before* to the period compared; "significant" means the
target's change relative to the control passed Fisher's exact test at the 5% level; counts
below five in the target or control make the whole sentence "too few to rely on".
"""

from __future__ import annotations

from html import escape

from geo.assess import MIN_COUNT, Assessment

ALPHA = 0.05
TOO_FEW = "Too few to rely on"


def _change(pct: float | None) -> str:
    if pct is None:
        return "had none before"
    if round(pct) == 0:
        return "did not change"
    return f"{'fell' if pct < 0 else 'rose'} {abs(pct):.0f}%"


def _control_phrase(pct: float | None) -> str:
    if pct is None:
        return "a control area with none before"
    if round(pct) == 0:
        return "no change in the control area"
    return f"{'a fall' if pct < 0 else 'a rise'} of {abs(pct):.0f}% in the control area"


def _p(p: float | None) -> str:
    if p is None:
        return "p not computable"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def buffer_sentence(a: Assessment) -> str:
    """What the buffer ring shows: displacement, diffusion or neither."""
    m = a.measures
    if m.success_measure is None:
        return "The buffer cannot be read without control counts."
    if m.success_measure >= 0:
        return "The target did not improve relative to the control, so the buffer cannot show displacement from it."
    wdq = f" (WDQ {m.wdq:+.2f})" if m.wdq is not None else ""
    if not a.buffer_test.significant(ALPHA):
        return f"The buffer shows no displacement{wdq}: its change relative to the control is within chance."
    return f"The buffer shows {m.reading}{wdq}."


def sentence(a: Assessment) -> str:
    """The plain-language summary, e.g. "Crime fell 30% in the target area against 5% in the control..."."""
    if a.control is None:
        return "No control area was available, so the change cannot be assessed against one."
    period = "during the deployment" if a.compare == "during" else "after the deployment"
    text = (
        f"Crime {_change(a.change_pct('target'))} in the target area {period} "
        f"({a.value('target', 'before')} to {a.value('target', a.compare)}) against "
        f"{_control_phrase(a.change_pct('control'))} ({a.value('control', 'before')} to "
        f"{a.value('control', a.compare)})."
    )
    t = a.target_test
    verdict = "significant" if t.significant(ALPHA) else "not significant (it may be chance)"
    text += f" Relative to the control the change is {verdict}: {_p(t.p_value)}, Fisher's exact test."
    text += " " + buffer_sentence(a)
    if a.too_few:
        text = f"{TOO_FEW} (fewer than {MIN_COUNT} incidents in the target or control in a period): " + text
    return text


def _fmt(v: float | None, spec: str) -> str:
    return "&ndash;" if v is None else format(v, spec)


def table_html(a: Assessment, compact: bool = False) -> str:
    """The before/during/after table and the measures, as an HTML fragment."""
    spans = a.spans
    head = "".join(
        f"<th>{p.capitalize()}<br><small>{spans[p][0]:%d/%m/%Y}&ndash;{spans[p][1]:%d/%m/%Y}</small></th>"
        for p in ("before", "during", "after")
    )
    rows = "".join(
        f'<tr><td class="cat">{escape(str(r["label"]))}</td><td>{r["before"]}</td><td>{r["during"]}</td>'
        f"<td>{r['after']}</td><td>{_fmt(a.change_pct(r['area']), '+.0f')}%</td></tr>"
        for r in a.counts.to_dict("records")
    )
    m = a.measures
    t = a.target_test
    measures = (
        f"WDQ {_fmt(m.wdq, '+.2f')} ({escape(m.reading)}); total net effect {_fmt(m.total_net_effect, '+.1f')} "
        f"crimes; relative change {_fmt(t.ratio, '.2f')} (95% CI {_fmt(t.ci_low, '.2f')}&ndash;"
        f"{_fmt(t.ci_high, '.2f')}), {_p(t.p_value)}"
    )
    if a.wdd_estimate is not None and not compact:
        measures += f"; WDD {a.wdd_estimate:+d} crimes (SE {a.wdd_se:.1f})"
    return (
        f'<table class="assess"><tr><th class="cat">Area</th>{head}<th>Change<br><small>vs before</small></th></tr>'
        f"{rows}</table>"
        f'<p class="measures">{measures}.</p>'
    )


def summary_html(a: Assessment) -> str:
    """Heading line, sentence and table for one deployment (the quarterly report uses it)."""
    d = a.deployment
    head = (
        f"<b>Deployment {d.id}</b> ({escape(d.kind)}, {escape(d.where_text())}; {escape(d.when_text())}; "
        f"recorded by {escape(d.who)})."
    )
    cls = ' class="toofew"' if a.too_few else ""
    return f'<div class="assessment"><p{cls}>{head} {escape(sentence(a))}</p>{table_html(a, True)}</div>'


__all__ = ["TOO_FEW", "buffer_sentence", "sentence", "summary_html", "table_html"]
