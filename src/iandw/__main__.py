"""`python -m iandw`."""

from iandw.cli import program

program()
