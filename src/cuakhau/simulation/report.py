"""A self-contained HTML report: the comparison table and charts drawn as inline SVG (no script, no network)."""

from __future__ import annotations

import math
from html import escape

from cuakhau.simulation.gatemodel import STAGES
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
    for i, label in enumerate(labels):
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
            f'text-anchor="middle">{escape(label)}</text>'
        )
    for j, (name, _) in enumerate(series):
        x = left + j * 150
        out.append(f'<rect x="{x}" y="{height - 18}" width="10" height="10" fill="{COLOURS[j % len(COLOURS)]}"/>')
        out.append(f'<text x="{x + 14}" y="{height - 9}" font-size="11">{escape(name[:22])}</text>')
    out.append("</svg>")
    return "".join(out)


def render_html(result: SimulationResult) -> str:
    s = result.scenario
    names = [p.name for p in result.policies]
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    rows = []
    for metric, label in HEADLINE:
        cells = []
        for i, p in enumerate(result.policies):
            e = p.estimate(metric)
            cell = f"{_fmt(e.mean)} <small>± {_fmt(e.half)}</small>"
            if i > 0:
                d = result.difference(i, metric)
                cell += f"<br><small>Δ {_fmt(d.mean)} ± {_fmt(d.half)}</small>"
            cells.append(f"<td>{cell}</td>")
        rows.append(f"<tr><th>{escape(label)}</th>{''.join(cells)}</tr>")
    stage_rows = []
    for stage in STAGES:
        stage_cells = "".join(
            f"<td>{_fmt(p.estimate(f'wait_mean_h.{stage}').mean)} / {_fmt(p.estimate(f'wait_p95_h.{stage}').mean)}</td>"
            for p in result.policies
        )
        stage_rows.append(f"<tr><th>{escape(stage)}</th>{stage_cells}</tr>")
    charts = [
        _bars(
            "Mean wait by stage (hours, 95% CI)",
            list(STAGES),
            [
                (p.name, [(e.mean, e.half) for e in (p.estimate(f"wait_mean_h.{st}") for st in STAGES)])
                for p in result.policies
            ],
        )
    ]
    for metric, label in HEADLINE[:3] + HEADLINE[5:8]:
        charts.append(
            _bars(
                label, [""], [(p.name, [(p.estimate(metric).mean, p.estimate(metric).half)]) for p in result.policies]
            )
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(s.name)} — cuakhau simulation</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1100px }}
table {{ border-collapse: collapse; margin: 1em 0 }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: right }}
th:first-child {{ text-align: left }} small {{ color: #666 }} svg {{ display: block; margin: 1em 0 }}
</style></head><body>
<h1>{escape(s.name)}</h1>
<p>{escape(s.description)}</p>
<p>{s.start.isoformat()}, {s.days} days ({s.warmup_days} of warm-up not measured); {result.replications} replications,
95% confidence intervals (±); Δ = difference from <b>{escape(names[0])}</b>, paired by replication.
Run in {result.seconds:.1f} s on {result.workers} process(es).</p>
<h2>Comparison</h2>
<table><tr><th></th>{head}</tr>{"".join(rows)}</table>
<h2>Waits by stage (mean / p95, hours)</h2>
<table><tr><th></th>{head}</tr>{"".join(stage_rows)}</table>
<h2>Charts</h2>
{"".join(charts)}
<p><small>Policies run on the production code: slot allocation, call-forward, customs channel selection and gate
hours of cuakhau. Generated by <code>cuakhau sim run</code>.</small></p>
</body></html>
"""
