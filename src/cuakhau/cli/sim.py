"""``cuakhau sim``: the digital twin."""

from __future__ import annotations

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
) -> None:
    """Run SCENARIO: every policy, every replication; print the comparison with 95% confidence intervals."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table

    from cuakhau.simulation.report import render_html
    from cuakhau.simulation.runner import HEADLINE, run_scenario
    from cuakhau.simulation.scenario import load_scenario

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
        report.write_text(render_html(result), encoding="utf-8")
    if as_json:
        print_json(result.to_dict())
        return
    table = Table(title=f"{loaded.scenario.name} — {result.replications} replications, 95% CI")
    table.add_column("")
    for p in result.policies:
        table.add_column(p.name, justify="right")
    for metric, label in HEADLINE:
        table.add_row(
            label, *(f"{p.estimate(metric).mean:,.2f} ± {p.estimate(metric).half:,.2f}" for p in result.policies)
        )
    console.print(table)
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
