"""Optional extras: the error that names the one to install.

Free of imports, so that the command line can recognise the error without
loading the modules that raise it.
"""

from __future__ import annotations


class MissingExtraError(ImportError):
    """Charts need matplotlib, the optional `html` extra, and it is not installed.

    An ImportError, so API callers can catch it as one; the command line
    turns it into its message and exit 2, without a traceback.
    """

    def __init__(self) -> None:
        super().__init__("html, png and svg output need matplotlib: pip install 'iandw[html]'")
