"""`python -m dashboard`: serve the dashboard (development server; gunicorn in production).

Production: `gunicorn -w 4 -b 0.0.0.0:8050 'dashboard.wsgi:server'`.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from collections.abc import Sequence

from core import settings
from core.errors import UserError


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard",
        description="Sert le tableau de bord du numérique en santé (serveur de développement ; "
        "en production : gunicorn -w 4 -b 0.0.0.0:8050 'dashboard.wsgi:server').",
    )
    parser.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut : 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8050, help="port d'écoute (défaut : 8050)")
    parser.add_argument(
        "--debug", action="store_true", help="mode débogage de Dash (développement)"
    )
    return parser.parse_args(argv)


def _port_problem(host: str, port: int) -> str | None:
    """A French message when the address cannot be listened on (e.g. port already used)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            return (
                f"Impossible d'écouter sur {host}:{port} : {exc.strerror}. "
                "Choisissez un autre port avec --port (ex. PORT=8060 make run)."
            )
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from dashboard.app import create_app

    try:
        settings.check()
        app = create_app(warm=True)
    except UserError as exc:  # French, meant for the reader: no traceback
        print(exc, file=sys.stderr)
        return 2
    problem = _port_problem(args.host, args.port)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    print(
        f"Tableau de bord : http://{args.host}:{args.port}/ (Ctrl+C pour arrêter ; "
        "serveur de développement, gunicorn en production)",
        flush=True,
    )
    if not args.debug:  # the French line above replaces Flask's English banner
        import flask.cli

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        flask.cli.show_server_banner = lambda *_args, **_kwargs: None
    app.server.run(host=args.host, port=args.port, debug=args.debug, threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
