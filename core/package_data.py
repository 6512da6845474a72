"""Files shipped inside the packages (catalog, reference tables, migrations, front-end files).

They are found through `importlib.resources`, never from a checkout's layout, so the editable
install of `make` and an installed wheel find the same files.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


class PackageDataError(Exception):
    """A package's data is not on the file system (e.g. a zipped install); the message is French."""


def package_path(package: str, *parts: str) -> Path:
    """The path of a file or folder shipped in `package`.

    A real path, because Alembic, Flask's `send_from_directory` and pandas read paths; pip
    always installs a wheel unpacked, so the resource is one.
    """
    resource = files(package).joinpath(*parts)
    if not isinstance(resource, Path):
        raise PackageDataError(
            f"Les fichiers du paquet « {package} » ne sont pas sur le disque ({resource}). "
            "Attendu : un paquet installé décompressé (pip install)."
        )
    return resource
