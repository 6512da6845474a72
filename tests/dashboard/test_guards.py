"""The callback guard decides on the body alone: what Dash would choke on is refused."""

from __future__ import annotations

import copy
import logging
import sys
from typing import Any

import pytest

from dashboard.guards import MAX_LOGGED, BadCallback, BoundedRecords, check_callback

ROUTER = ".._pages_content.children..._pages_store.data.."
TABLE = '{"table":["MATCH"],"type":"tdb-table-rows"}.children'
CALLBACKS: dict[str, dict[str, Any]] = {
    ROUTER: {
        "callback": object(),
        "inputs": [
            {"id": "_pages_location", "property": "pathname"},
            {"id": "_pages_location", "property": "search"},
        ],
        "state": [],
    },
    '{"table":["MATCH"],"type":"tdb-table-rows"}.children': {  # clientside: no function
        "inputs": [{"id": '{"table":["MATCH"],"type":"tdb-table-open"}', "property": "n_clicks"}],
        "state": [],
    },
    "pattern.children": {
        "callback": object(),
        "inputs": [{"id": '{"index":["ALL"],"type":"x"}', "property": "value"}],
        "state": [],
    },
}
ROUTER_OUTPUTS = (("_pages_content", "children"), ("_pages_store", "data"))


def router_body(pathname: object, search: object) -> dict[str, Any]:
    """The request the browser sends when the address changes (Dash's page router)."""
    location = (("pathname", pathname), ("search", search))
    return {
        "output": ROUTER,
        "outputs": [{"id": i, "property": p} for i, p in ROUTER_OUTPUTS],
        "inputs": [{"id": "_pages_location", "property": p, "value": v} for p, v in location],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }


VALID = router_body("/objectifs", "?tri=statut")


def _with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(VALID)
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


class TestCheckCallback:
    def test_the_browser_s_router_request_passes(self) -> None:
        check_callback(VALID, callbacks=CALLBACKS, pathname_prefix="/")

    def test_a_pattern_matching_input_may_be_a_list(self) -> None:
        body = {
            "output": "pattern.children",
            "outputs": {"id": "pattern", "property": "children"},
            "inputs": [[{"id": {"index": 1, "type": "x"}, "property": "value", "value": 3}]],
        }
        check_callback(body, callbacks=CALLBACKS, pathname_prefix="/")

    @pytest.mark.parametrize(
        "body",
        [
            [],
            "x",
            None,
            _with(("output",), "inconnu.children"),
            _with(("output",), TABLE),  # a clientside callback: nothing to run on the server
            _with(("output",), ["liste"]),
            _with(("outputs",), {"id": "_pages_content", "property": "children"}),
            _with(("outputs", 1, "id"), "autre"),
            _with(("inputs",), {"id": "_pages_location"}),
            _with(("inputs",), VALID["inputs"][:1]),
            _with(("inputs", 0, "property"), "href"),
            _with(("inputs", 0, "value"), ["/objectifs"]),
            _with(("inputs", 1, "value"), 12),
            _with(("inputs", 0, "value"), ""),  # Dash accepts only paths under its prefix
            _with(("inputs", 0, "value"), "objectifs"),
            _with(("inputs", 0), "_pages_location.pathname"),
            _with(("state",), None),
            _with(("changedPropIds",), "_pages_location.pathname"),
            _with(("changedPropIds",), [["liste"]]),
        ],
    )
    def test_a_malformed_body_is_refused_in_french(self, body: object) -> None:
        with pytest.raises(BadCallback) as raised:
            check_callback(body, callbacks=CALLBACKS, pathname_prefix="/")
        assert "«" in str(raised.value) or "objet JSON" in str(raised.value)

    def test_the_refusal_does_not_echo_the_request(self) -> None:
        with pytest.raises(BadCallback) as raised:
            check_callback(
                _with(("output",), "x" * 100_000), callbacks=CALLBACKS, pathname_prefix="/"
            )
        assert len(str(raised.value)) < 100


class TestBoundedRecords:
    def test_a_huge_message_and_traceback_are_cut(self) -> None:
        # Given a record of an exception whose message is a megabyte long
        try:
            raise KeyError("x" * 1_000_000)
        except KeyError:
            record = logging.LogRecord(
                "t", logging.ERROR, __file__, 1, "Exception on %s", ("/" + "y" * 10_000,), None
            )
            record.exc_info = sys.exc_info()
        # When it goes through the filter, Then its formatted text is bounded
        assert BoundedRecords().filter(record)
        text = logging.Formatter().format(record)
        assert len(text) <= MAX_LOGGED + 100
        assert text.startswith("Exception on /yyy")
        assert "caractères…]" in text

    def test_a_short_record_is_kept_as_is(self) -> None:
        record = logging.LogRecord("t", logging.INFO, __file__, 1, "a %s", ("b",), None)
        BoundedRecords().filter(record)
        assert logging.Formatter().format(record) == "a b"
