"""Importers: other people's event data (GDELT, ACLED, STIX 2.1) as iandw observations.

Each source has a module that turns one row or object into an observation
document (`gdelt`, `acled`, `stix`), a shipped, overridable mapping under
`mappings/` (`mapping` reads it), and shares the rest: `rows` reads untrusted
delimited text with bounds, `entities` resolves actors against the rule set's
registry or mints new entities, `writer` streams the outputs, `run` drives one
import and counts what happened, `cli` is the `iandw import` command.
See docs/import.md.
"""
