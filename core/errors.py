"""The one base class of errors whose French message is meant for the user.

The command line, the source runner and the dashboard recognise these by type and show
the message as is; any other exception is a bug, reported as « inattendue ». A bad cell is
always worded by `cell_problem`, the house template that names file, row, column and value.
"""

from __future__ import annotations


def cell_problem(*, file: str, row: int, column: str, value: str, expected: str) -> str:
    """One bad cell in the house template (spreadsheet numbering: header = 1)."""
    return (
        f"Fichier « {file} », ligne {row}, colonne « {column} » : "
        f"valeur invalide « {value} ». Attendu : {expected}."
    )


class UserError(Exception):
    """An error the user can act on; `str(error)` is a complete French sentence."""
