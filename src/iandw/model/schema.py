"""JSON Schemas (draft 2020-12) generated from the models, for editors.

A YAML file starting with
`# yaml-language-server: $schema=iandw-rules.schema.json` gets completion and
checking in any editor using yaml-language-server (docs/language.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from iandw.model.documents import Entity, Hypothesis, Indicator, Observation, Scale, Scoring
from iandw.model.report import Report

DIALECT = "https://json-schema.org/draft/2020-12/schema"

_RULE = Annotated[Indicator | Hypothesis | Scale | Scoring | Entity, Field(discriminator="kind")]
_INPUT = Annotated[Observation | Entity, Field(discriminator="kind")]
_FILES: dict[str, Any] = {"rules": _RULE | list[_RULE], "observations": _INPUT | list[_INPUT]}


def json_schema(what: str) -> dict[str, Any]:
    """The schema of a rules file, an observations file or the JSON report."""
    if what == "report":
        schema = Report.model_json_schema()
        title = "iandw report"
    else:
        schema = TypeAdapter(_FILES[what]).json_schema()
        title = f"iandw {what} file: a document or a list of documents"
    return {"$schema": DIALECT, "title": title, **schema}
