"""WSGI entry point for gunicorn: `gunicorn -w 4 'dashboard.wsgi:server'`."""

from __future__ import annotations

from dashboard.app import create_app

app = create_app(warm=True)
server = app.server
