"""`python -m dashboard`: serve the dashboard (development server; gunicorn in production).

Production: `gunicorn -w 4 -b 0.0.0.0:8050 'dashboard.wsgi:server'`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from etl import settings


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


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from dashboard.app import SetupError, create_app

    try:
        settings.check()
        app = create_app()
    except (SetupError, settings.SettingsError) as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"Tableau de bord : http://{args.host}:{args.port}/", flush=True)
    app.run(host=args.host, port=args.port, debug=args.debug)
    return 0


if __name__ == "__main__":
    sys.exit(main())
