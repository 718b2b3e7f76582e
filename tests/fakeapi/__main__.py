"""Run the fake standalone: `python -m tests.fakeapi --port 0 --ready-file PATH`."""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

from tests.fakeapi.control import add_control_routes
from tests.fakeapi.server import FakeTelegram


async def serve(port: int, ready_file: Path | None, flood_control: bool) -> None:
    """Serve until SIGTERM/SIGINT, announcing the port in the ready file."""
    fake = FakeTelegram(flood_control=flood_control)
    add_control_routes(fake)
    await fake.start(port)
    if ready_file is not None:
        tmp = ready_file.with_suffix(".tmp")
        tmp.write_text(str(fake.port))
        tmp.replace(ready_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await fake.stop()


def main() -> None:
    """Parse arguments and serve."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ready-file", type=Path)
    parser.add_argument("--flood-control", action="store_true")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.ready_file, args.flood_control))


if __name__ == "__main__":
    main()
