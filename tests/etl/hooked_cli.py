"""`python -m etl` with listeners on the write path's events, for tests in a subprocess.

    python -m tests.etl.hooked_cli before_commit=pause lock_wait=say -- import a.csv

At each named event the process prints the event's name on stderr, then: `say` goes on,
`pause` waits for a line on stdin (the test's signal to go on), `kill` kills the process
with SIGKILL. The test synchronises on these lines: no sleep.
"""

from __future__ import annotations

import os
import signal
import sys

from etl.cli import main
from etl.write import EVENTS, EventName, Write


def _listener(event: str, action: str):  # type: ignore[no-untyped-def]
    def react(_write: Write) -> None:
        print(event, file=sys.stderr, flush=True)
        if action == "pause":
            sys.stdin.readline()
        elif action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)

    return react


def run(argv: list[str]) -> int:
    split = argv.index("--")
    for spec in argv[:split]:
        event, action = spec.split("=")
        name: EventName = event  # type: ignore[assignment]
        EVENTS.listen(name, _listener(event, action))
    return main(argv[split + 1 :])


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
