"""The project's own schemathesis check, loaded by the runs of test_api_schemathesis.py
(`SCHEMATHESIS_HOOKS=tests.dashboard.schemathesis_hooks`): no answer, whatever its status,
shows a Python trace to the reader."""

from __future__ import annotations

import re
from typing import Any

import schemathesis

# a Python traceback, or one of its frames, in any body (HTML, text, CSV, JSON, XLSX)
TRACE = re.compile(rb'Traceback \(most recent call last\)|File "[^"\n]+", line \d+')


@schemathesis.check
def no_trace_in_body(ctx: Any, response: Any, case: Any) -> None:
    found = TRACE.search(response.content or b"")
    if found:
        raise AssertionError(
            f"Trace Python dans la réponse : {found.group().decode(errors='replace')}"
        )
