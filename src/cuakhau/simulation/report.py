"""A self-contained HTML report: the comparison table and charts drawn as inline SVG (no script, no network)."""

from __future__ import annotations

import functools
import math
from html import escape

from cuakhau.simulation.gatemodel import CLASSES, STAGES
from cuakhau.simulation.labels import label
from cuakhau.simulation.runner import HEADLINE, SimulationResult

COLOURS = ("#1b6ca8", "#e07a1f", "#2a9d55", "#c0392b", "#7d3c98", "#8c6d1f", "#17a2b8", "#555555")


def _fmt(x: float) -> str:
    if math.isnan(x):
        return "–"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def _bars(title: str, labels: list[str], series: list[tuple[str, list[tuple[float, float]]]]) -> str:
    """Grouped bars with confidence-interval whiskers: ``series`` = [(policy, [(mean, half) per label])]."""
    width, height, left, bottom, top = 760, 260, 60, 50, 30
    values = [m + (h if not math.isnan(h) else 0) for _, pts in series for m, h in pts if not math.isnan(m)]
    peak = max(values, default=1.0) or 1.0
    plot_w, plot_h = width - left - 10, height - top - bottom
    group = plot_w / max(1, len(labels))
    bar = group * 0.8 / max(1, len(series))
    out = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">']
    out.append(f'<text x="{left}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>')
    for k in range(5):
        y = top + plot_h - plot_h * k / 4
        out.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{_fmt(peak * k / 4)}</text>')
    for i, name in enumerate(labels):
        x0 = left + i * group + group * 0.1
        for j, (_, pts) in enumerate(series):
            mean, half = pts[i]
            if math.isnan(mean):
                continue
            h = plot_h * mean / peak
            x = x0 + j * bar
            colour = COLOURS[j % len(COLOURS)]
            out.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar * 0.9:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(series[j][0])}: {_fmt(mean)} ± {_fmt(half)}</title></rect>'
            )
            if half > 0 and not math.isnan(half):
                cx = x + bar * 0.45
                y1, y2 = top + plot_h - plot_h * (mean + half) / peak, top + plot_h - plot_h * (mean - half) / peak
                out.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y1:.1f}" y2="{y2:.1f}" stroke="#000"/>')
        out.append(
            f'<text x="{left + i * group + group / 2:.1f}" y="{height - bottom + 16}" font-size="11" '
            f'text-anchor="middle">{escape(name)}</text>'
        )
    for j, (name, _) in enumerate(series):
        x = left + j * 150
        out.append(f'<rect x="{x}" y="{height - 18}" width="10" height="10" fill="{COLOURS[j % len(COLOURS)]}"/>')
        out.append(f'<text x="{x + 14}" y="{height - 9}" font-size="11">{escape(name[:22])}</text>')
    out.append("</svg>")
    return "".join(out)


def _classes(result: SimulationResult) -> list[str]:
    """The cargo classes some policy reported figures for, most urgent first."""
    return [c for c in CLASSES if any(p.estimate(f"time_all_mean_h.{c}").n for p in result.policies)]


def render_html(result: SimulationResult, lang: str = "en") -> str:
    """The report in ``lang`` (vi, zh or en): every label translated; names from the scenario as written."""
    s = result.scenario
    t = functools.partial(label, lang=lang)
    names = [p.name for p in result.policies]
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    rows = []
    for metric, _ in HEADLINE:
        cells = []
        for i, p in enumerate(result.policies):
            e = p.estimate(metric)
            cell = f"{_fmt(e.mean)} <small>± {_fmt(e.half)}</small>"
            if i > 0:
                d = result.difference(i, metric)
                cell += f"<br><small>Δ {_fmt(d.mean)} ± {_fmt(d.half)}</small>"
            cells.append(f"<td>{cell}</td>")
        rows.append(f"<tr><th>{escape(t(metric))}</th>{''.join(cells)}</tr>")
    stage_rows = []
    for stage in STAGES:
        cells = []
        for p in result.policies:
            m, q = p.estimate(f"wait_mean_h.{stage}"), p.estimate(f"wait_p95_h.{stage}")
            cell = f"{_fmt(m.mean)} <small>± {_fmt(m.half)}</small> / {_fmt(q.mean)}"
            if stage != "total":
                w = p.estimate(f"p_wait.{stage}")
                cell += f"<br><small>P(wait) {_fmt(w.mean)} ± {_fmt(w.half)}</small>"
            cells.append(f"<td>{cell}</td>")
        stage_rows.append(f"<tr><th>{escape(t('stage.' + stage))}</th>{''.join(cells)}</tr>")
    class_rows = []
    for cls in _classes(result):
        cells = []
        for p in result.policies:
            w, a = p.estimate(f"wait_mean_h.crossing.{cls}"), p.estimate(f"time_all_mean_h.{cls}")
            cells.append(
                f"<td>{escape(t('wait_h'))}: {_fmt(w.mean)} <small>± {_fmt(w.half)}</small><br>"
                f"{escape(t('system_h'))}: {_fmt(a.mean)} <small>± {_fmt(a.half)}</small></td>"
            )
        class_rows.append(f"<tr><th>{escape(t('class.' + cls))}</th>{''.join(cells)}</tr>")
    charts = [
        _bars(
            t("chart_stage"),
            [t("stage." + st) for st in STAGES],
            [
                (p.name, [(e.mean, e.half) for e in (p.estimate(f"wait_mean_h.{st}") for st in STAGES)])
                for p in result.policies
            ],
        )
    ]
    for metric in ("time_all_mean_h", "wait_mean_h.total", "throughput_per_day", "p_wait.crossing"):
        charts.append(
            _bars(
                t(metric),
                [""],
                [(p.name, [(p.estimate(metric).mean, p.estimate(metric).half)]) for p in result.policies],
            )
        )
    intro = t("replications").format(
        start=s.start.isoformat(),
        days=s.days,
        warmup=s.warmup_days,
        n=result.replications,
        first=escape(names[0]),
        seconds=f"{result.seconds:.1f}",
        workers=result.workers,
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{escape(s.name)} — {escape(t("title"))}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1100px }}
table {{ border-collapse: collapse; margin: 1em 0 }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: right }}
th:first-child {{ text-align: left }} small {{ color: #666 }} svg {{ display: block; margin: 1em 0 }}
</style></head><body>
<h1>{escape(s.name)}</h1>
<p>{escape(s.description)}</p>
<p>{intro}</p>
<h2>{escape(t("comparison"))}</h2>
<table><tr><th></th>{head}</tr>{"".join(rows)}</table>
<h2>{escape(t("by_stage"))}</h2>
<table><tr><th></th>{head}</tr>{"".join(stage_rows)}</table>
<h2>{escape(t("by_class"))}</h2>
<table><tr><th></th>{head}</tr>{"".join(class_rows)}</table>
<h2>{escape(t("charts"))}</h2>
{"".join(charts)}
<p><small>{escape(t("footer"))} <code>cuakhau sim run</code></small></p>
</body></html>
"""
