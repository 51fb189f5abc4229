"""Importers: other people's event data (GDELT, ACLED, STIX 2.1) as iandw observations.

Each source has a module that turns one row or object into an observation
document (`gdelt`, `acled`, `stix`), a shipped, overridable mapping under
`mappings/` (`mapping` reads it), and shares the rest: `rows` reads untrusted
delimited text with bounds, `entities` resolves actors against the rule set's
registry or mints new entities, `writer` streams the outputs, `run` is one
import from its arguments to its summary (`import_files`, the API).  The
`iandw import` command over it is iandw.cli.import_command.
See docs/import.md.
"""
