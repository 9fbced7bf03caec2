"""``cuakhau sim``: the digital twin."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from cuakhau.cli._common import AsJson, console, err_console, print_json

sim_app = typer.Typer(help="Digital twin: simulate gates under the production policies (docs/simulation.md)")


@sim_app.command("run")
def sim_run(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML (examples: `cuakhau sim examples`)")],
    replications: Annotated[int | None, typer.Option(help="Replications per policy (default: the scenario's)")] = None,
    as_json: AsJson = False,
    report: Annotated[Path | None, typer.Option(help="Write a self-contained HTML report here")] = None,
    workers: Annotated[int | None, typer.Option(help="Processes (default: all cores)", min=1, max=64)] = None,
    lang: Annotated[str, typer.Option(help="Language of the table and the report: vi, zh or en")] = "en",
) -> None:
    """Run SCENARIO: every policy, every replication; print the comparison with 95% confidence intervals."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table

    from cuakhau.simulation.gatemodel import CLASSES, STAGES
    from cuakhau.simulation.labels import LANGS, label
    from cuakhau.simulation.report import render_html
    from cuakhau.simulation.runner import HEADLINE, PolicyResult, run_scenario
    from cuakhau.simulation.scenario import load_scenario

    if lang not in LANGS:
        raise typer.BadParameter(f"{lang!r}: choose vi, zh or en", param_hint="--lang")
    loaded = load_scenario(scenario)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=as_json,
    ) as bar:
        task = bar.add_task(f"simulating {loaded.scenario.name}", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = run_scenario(loaded.scenario, replications=replications, workers=workers, progress=progress)
    if report is not None:
        report.write_text(render_html(result, lang), encoding="utf-8")
    if as_json:
        print_json(result.to_dict())
        return
    table = Table(title=f"{loaded.scenario.name} — {result.replications} replications, 95% CI")
    table.add_column("")
    for p in result.policies:
        table.add_column(p.name, justify="right")

    def cell(p: PolicyResult, metric: str) -> str:
        e = p.estimate(metric)
        return "–" if math.isnan(e.mean) else f"{e.mean:,.2f} ± {e.half:,.2f}"

    for metric, _ in HEADLINE:
        table.add_row(label(metric, lang), *(cell(p, metric) for p in result.policies))
    console.print(table)
    # waits and the share that waited per stage, and per cargo class, each with its 95% interval
    stages = Table(title=label("by_stage", lang))
    stages.add_column("")
    for p in result.policies:
        stages.add_column(p.name, justify="right")
    for stage in STAGES:
        stages.add_row(
            label(f"stage.{stage}", lang),
            *(
                cell(p, f"wait_mean_h.{stage}")
                + ("" if stage == "total" else f"\nP(wait) {cell(p, f'p_wait.{stage}')}")
                for p in result.policies
            ),
        )
    console.print(stages)
    classes = Table(title=label("by_class", lang))
    classes.add_column("")
    for p in result.policies:
        classes.add_column(p.name, justify="right")
    for cls in CLASSES:
        if any(p.estimate(f"time_all_mean_h.{cls}").n for p in result.policies):
            classes.add_row(
                label(f"class.{cls}", lang),
                *(
                    f"{cell(p, f'wait_mean_h.crossing.{cls}')}\n{cell(p, f'time_all_mean_h.{cls}')}"
                    for p in result.policies
                ),
            )
    console.print(classes)
    console.print(f"{result.seconds:.1f} s on {result.workers} process(es)" + (f"; report: {report}" if report else ""))


@sim_app.command("examples")
def sim_examples(
    write: Annotated[Path | None, typer.Option(help="Copy the example scenarios into this folder")] = None,
    as_json: AsJson = False,
) -> None:
    """List the example scenarios shipped with cuakhau (and copy them out with --write)."""
    from cuakhau.simulation.scenario import example_scenarios

    examples = sorted(example_scenarios().items())
    for name, text in examples:
        if not as_json:
            console.print(name)
        if write is not None:
            write.mkdir(parents=True, exist_ok=True)
            (write / name).write_text(text, encoding="utf-8")
    if as_json:
        print_json([{"name": name, "path": str(write / name) if write else None} for name, _ in examples])
