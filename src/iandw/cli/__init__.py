"""The command line: a thin shell over the API (see iandw/__init__.py).

`commands` is the `iandw` group and its commands, `import_command` is
`iandw import`, and `support` is what they share: exit codes, the
no-traceback boundary, diagnostic output.  Only these modules know about
exit codes and the terminal.  `program` is the script pyproject installs
and `python -m iandw`; `main` is the click group, for `CliRunner` and
scripts.
"""

from iandw.cli.commands import main, program

__all__ = ["main", "program"]
