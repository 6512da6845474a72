"""Fixtures shared by the dashboard's HTTP tests."""

from __future__ import annotations

import datetime as dt

from tests.dashboard.demo_db import demo_url_fixture

# one year of demo data (under a second): every indicator, the restricted one included, at
# each of its levels; a test module needing more data declares its own `demo_url`
demo_url = demo_url_fixture("demo", seed=9, until=dt.date(2019, 12, 1))
