"""``cuakhau devices``: gate devices over MQTT."""

from __future__ import annotations

from typing import Annotated

import typer

from cuakhau.cli._common import AsJson, DbUrl, console, err_console, print_json, settings_for

devices_app = typer.Typer(help="Gate devices over MQTT (docs/devices.md)", no_args_is_help=True)


@devices_app.command("listen")
def devices_listen(
    database_url: DbUrl = None,
    host: Annotated[str, typer.Option(help="MQTT broker host")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="MQTT broker port")] = 1883,
    gate: Annotated[str | None, typer.Option(help="Only this gate's devices (default: all)")] = None,
    client_id: Annotated[
        str | None, typer.Option(help="MQTT client id (default: CUAKHAU_DEVICES_CLIENT_ID, else host-pid-gate)")
    ] = None,
) -> None:
    """Apply device messages as they arrive (each exactly once), publishing barrier commands; Ctrl-C stops."""
    import signal
    import threading

    from cuakhau.adapters import logs
    from cuakhau.adapters.devices.handler import ServiceDeviceHandler
    from cuakhau.adapters.devices.mqtt import DeviceListener
    from cuakhau.bootstrap import bootstrap, metrics

    settings = settings_for(database_url)
    logs.configure(settings)
    platform = bootstrap(settings)
    # counted into CUAKHAU_METRICS_DIR, where the server's /metrics adds them up (docs/operations.md)
    observe = metrics(platform).device_message if settings.metrics_dir else None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        listener = DeviceListener(
            ServiceDeviceHandler(platform.context, observe=observe),
            host=host,
            port=port,
            gate_id=gate,
            client_id=client_id or settings.devices_client_id,
            share_group=settings.devices_share_group or None,
        )
        with listener:
            console.print(
                f"listening on mqtt://{host}:{port} for {gate or 'all gates'} as {listener.client_id}"
                + (f" in share group {settings.devices_share_group}" if settings.devices_share_group else "")
            )
            try:
                while not stop.wait(10):
                    s = listener.stats()
                    console.print(f"received {s.received}, applied {s.applied}, rejected {s.rejected}")
            except KeyboardInterrupt:
                pass
    finally:
        platform.close()


@devices_app.command("simulate")
def devices_simulate(
    plates: Annotated[list[str] | None, typer.Argument(help="Plates to read (default: made up)")] = None,
    host: Annotated[str, typer.Option(help="MQTT broker host")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="MQTT broker port")] = 1883,
    gate: Annotated[str, typer.Option(help="Gate id")] = "vn-huu-nghi",
    count: Annotated[int, typer.Option(help="Messages to publish", min=1, max=100_000)] = 100,
    seed: Annotated[int, typer.Option(help="Random seed")] = 1,
    rate: Annotated[float, typer.Option(help="Messages a second", min=0.1, max=10_000)] = 20.0,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the broker", min=0.5, max=600)] = 30.0,
    as_json: AsJson = False,
) -> None:
    """Publish a realistic stream of plate reads, weighings and repeats for the demo (QoS 1)."""
    from cuakhau.adapters.devices.simulate import simulate_reads

    try:
        sent = simulate_reads(
            host, port, gate, plates or [], count=count, seed=seed, rate_per_s=rate, timeout_s=timeout
        )
    except ConnectionError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if as_json:
        print_json({"acknowledged": sent})
        return
    console.print(f"[green]{sent} messages acknowledged by the broker[/green]")
