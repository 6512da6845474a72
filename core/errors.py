"""The one base class of errors whose French message is meant for the user.

The command line, the source runner and (later) the dashboard recognise these by type
and show the message as is; any other exception is a bug, reported as « inattendue ».
"""

from __future__ import annotations


class UserError(Exception):
    """An error the user can act on; `str(error)` is a complete French sentence."""
