"""Observations kept lean between typing and resolution.

A million imported observations must not each keep their parsed JSON, their
source text and their pydantic model in memory until every entity is known.
Once typed, an observation is reduced to what resolution and scoring need.
From a JSONL file, its model and the position of any of its values are
recovered on demand by re-reading its line from the line's offset.  From a
YAML or JSON file (or from documents in memory), the model is kept, and so
is the raw document its positions are looked up in.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from iandw.diagnostics import Span
from iandw.loader.source import Locatable
from iandw.model.case import SourceGrade
from iandw.model.documents import Observation


@dataclass(slots=True)
class ObservationInput:
    """A typed observation, reduced; `document` and `span` recover the rest."""

    id: str
    type: str
    date: str
    reported: str | None
    refs: tuple[tuple[str, str | None], ...]  # (reference as written, role)
    sources: tuple[SourceGrade, ...]
    where: Locatable  # a JSONL line, or the document it was read from
    model: Observation | Callable[[str], Observation]  # the model, or how to read it again (given its id)

    @classmethod
    def of(
        cls, model: Observation, where: Locatable, reload: Callable[[str], Observation] | None
    ) -> ObservationInput:
        """From a typed model; with `reload`, the model itself is not kept."""
        intern = sys.intern
        return cls(
            id=model.id,
            type=intern(model.type),
            date=intern(model.date),
            reported=intern(model.reported) if model.reported else None,
            refs=tuple((intern(r.entity), intern(r.role) if r.role else None) for r in model.entities),
            sources=tuple((s.origin_key, s.reliability, s.credibility) for s in model.sources),
            where=where,
            model=model if reload is None else reload,
        )

    @property
    def document(self) -> Observation:
        return self.model if isinstance(self.model, Observation) else self.model(self.id)

    def span(self, *loc: Any) -> Span:
        return self.where.span(tuple(loc))
