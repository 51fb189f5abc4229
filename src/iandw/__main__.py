"""`python -m iandw`."""

from iandw.cli import main

main()
