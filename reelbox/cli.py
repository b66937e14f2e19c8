"""The ``reelbox`` command: run, worker, seed, manage."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelbox.settings")
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def cmd_run(args) -> int:
    _setup()
    from django.conf import settings

    _migrate()
    children: list[subprocess.Popen] = []
    marker = settings.DATA_DIR / ".seeded"
    if args.seed and not marker.exists():
        print("reelbox: first start: seeding demo content in the background", flush=True)
        marker.write_text("")
        children.append(subprocess.Popen([sys.executable, "-m", "reelbox.cli", "seed", "--demo"]))
    if args.worker:
        children += [subprocess.Popen([sys.executable, "-m", "reelbox.cli", "worker", *argv])
                     for argv in worker_plan(settings.REELBOX["TRANSCODE_CONCURRENCY"])]
    if args.interface == "wsgi":
        # WSGI has no WebSockets: one Granian ASGI process serves /ws/ on its own port,
        # and pages learn the port from the environment the web processes inherit.
        ws_port = args.ws_port or args.port + 1
        os.environ["REELBOX_WS_PORT"] = str(ws_port)
        settings.REELBOX["WS_PORT"] = ws_port
        children.append(subprocess.Popen([sys.executable, "-m", "reelbox.cli", "ws", "--host", args.host,
                                          "--port", str(ws_port)]))
        print(f"reelbox: WebSockets on ws://{args.host}:{ws_port}/ws/", flush=True)

    def stop_children(*_):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, lambda *a: (stop_children(), sys.exit(0)))
    try:
        print(f"reelbox: serving on http://{args.host}:{args.port}", flush=True)
        serve(args.host, args.port, args.web_workers, args.threads, args.interface)
    finally:
        stop_children()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0


def serve(host: str, port: int, workers: int, threads: int, interface: str = "wsgi") -> None:
    """HTTP through Granian, WSGI by default.

    Measured on two cores (docs/benchmarks.md): Django's sync views behind WSGI
    serve about 7x the requests per second of the same views behind an ASGI
    server, which pays a thread hop per request. ``interface="asgi"`` serves
    the ASGI application instead (what WebSockets will need).
    """
    from granian.constants import Interfaces
    from granian.server import Server

    if interface == "asgi":
        Server("reelbox.asgi:application", address=host, port=port, interface=Interfaces.ASGINL, workers=workers,
               log_level="warning").serve()
        return
    Server("reelbox.wsgi:application", address=host, port=port, interface=Interfaces.WSGI, workers=workers,
           runtime_threads=1, blocking_threads=threads, log_level="warning").serve()


def cmd_ws(args) -> int:
    _setup()
    serve(args.host, args.port, 1, 1, "asgi")
    return 0


def worker_plan(transcoders: int) -> list[list[str]]:
    """The embedded mode's workers: `transcoders` for media jobs, and one for everything else at a lower CPU
    priority. A recommender retrain or a trends pass can take a minute at scale; on a shared worker it would
    hold back the uploads queued behind it, and here it also yields the CPU to them."""
    media = [["--queues", "transcode"] for _ in range(max(1, transcoders))]
    return media + [["--queues", "*", "--exclude", "transcode", "--nice", "10"]]


def cmd_worker(args) -> int:
    _setup()
    from reelbox.worker import run

    if args.nice:
        os.nice(args.nice)
    run(queues=args.queues.split(","), batch=args.batch,
        exclude=[q for q in args.exclude.split(",") if q])
    return 0


def cmd_seed(args) -> int:
    _setup()
    if not args.demo:
        print("reelbox seed: nothing to do (pass --demo)", file=sys.stderr)
        return 2
    _migrate()
    from reelbox.seed import seed_demo

    count = seed_demo(args.videos)
    print(f"reelbox: seeded {count} demo videos", flush=True)
    return 0


def cmd_manage(args) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelbox.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["reelbox manage", *args.rest])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="reelbox", description="Reelbox short-video platform")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="serve the web app and API with background workers")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--web-workers", type=int, default=2, help="web server processes")
    run.add_argument("--threads", type=int, default=2, help="request threads per web server process (WSGI)")
    run.add_argument("--interface", choices=["wsgi", "asgi"], default="wsgi",
                     help="serve the WSGI application (fastest for HTTP) or the ASGI one")
    run.add_argument("--ws-port", type=int, default=0,
                     help="port of the WebSocket (ASGI) process next to the WSGI server (default: --port + 1)")
    run.add_argument("--no-worker", dest="worker", action="store_false", help="do not start background workers")
    run.add_argument("--no-seed", dest="seed", action="store_false", help="do not seed demo content on first start")
    run.set_defaults(func=cmd_run)

    ws = sub.add_parser("ws", help="serve only the WebSocket endpoint /ws/ (ASGI); `run` starts one")
    ws.add_argument("--host", default="127.0.0.1")
    ws.add_argument("--port", type=int, default=8001)
    ws.set_defaults(func=cmd_ws)

    worker = sub.add_parser("worker", help="run background jobs (transcodes, maintenance)")
    worker.add_argument("--queues", default="*", help="comma-separated queue names, * for all")
    worker.add_argument("--exclude", default="", help="comma-separated queue names to leave to other workers")
    worker.add_argument("--nice", type=int, default=0, help="lower this worker's CPU priority by this much")
    worker.add_argument("--batch", action="store_true", help="exit when the queue is empty")
    worker.set_defaults(func=cmd_worker)

    seed = sub.add_parser("seed", help="create demo content")
    seed.add_argument("--demo", action="store_true")
    seed.add_argument("--videos", type=int, default=32)
    seed.set_defaults(func=cmd_seed)

    manage = sub.add_parser("manage", help="Django management commands", add_help=False)
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
