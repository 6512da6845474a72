"""`python -m dashboard`: a taken port gives a French message, not a traceback."""

from __future__ import annotations

import socket

from dashboard.__main__ import _port_problem


class TestPortProblem:
    def test_free_port_is_accepted(self) -> None:
        # Given a port the OS just handed out and released
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        # When checking it, Then there is no problem
        assert _port_problem("127.0.0.1", port) is None

    def test_taken_port_is_explained_in_french(self) -> None:
        # Given a port another program listens on
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            # When checking it
            message = _port_problem("127.0.0.1", port)
        # Then the message names the address and the way out
        assert message is not None
        assert f"127.0.0.1:{port}" in message and "--port" in message
