"""iandw: an indicator-and-warning checker.

Declarative indicators over dated, sourced observations, scored ACH-style,
with a trace behind every number.  The API:

    import iandw
    result = iandw.load(["observations"], rules="rules")   # LoadResult
    if result.ok:  # else evaluate raises IncompleteCase, as the command line exits 2
        report = iandw.evaluate(result.case, as_of=datetime.date(2023, 10, 6))
        print(iandw.render(report, "text"))
        page = iandw.render(report, "html")  # as `iandw evaluate --format html`
        # as `iandw timeline --from 2023-01-01 --to 2023-12-31 --step 2w`
        start, end = datetime.date(2023, 1, 1), datetime.date(2023, 12, 31)
        timeline = iandw.compute_timeline(result.case, start, end, iandw.parse_step("2w"))
        print(iandw.render_timeline(timeline, "text"))
        chart = iandw.render_timeline(timeline, "png")  # bytes; "html" also takes a report
    summary = iandw.import_files("stix", ["feeds/"], "observations/stix.jsonl")  # as `iandw import`

Attributes are imported lazily so that `iandw --help` starts fast.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "CannotImport",
    "ImportSummary",
    "IncompleteCase",
    "Limits",
    "LoadResult",
    "Report",
    "Timeline",
    "compute_timeline",
    "evaluate",
    "import_files",
    "load",
    "load_documents",
    "parse_step",
    "render",
    "render_timeline",
]

_EXPORTS = {
    "load": "iandw.loader",
    "load_documents": "iandw.loader",
    "LoadResult": "iandw.loader",
    "Limits": "iandw.loader",
    "evaluate": "iandw.api",
    "IncompleteCase": "iandw.model.case",
    "Report": "iandw.model.report",
    "render": "iandw.render",
    "import_files": "iandw.importers.run",
    "ImportSummary": "iandw.importers.run",
    "CannotImport": "iandw.importers.run",
    "Timeline": "iandw.model.timeline",
    "compute_timeline": "iandw.timeline",
    "parse_step": "iandw.timeline",
    "render_timeline": "iandw.render",
}

if TYPE_CHECKING:
    from iandw.api import evaluate
    from iandw.importers.run import CannotImport, ImportSummary, import_files
    from iandw.loader import Limits, LoadResult, load, load_documents
    from iandw.model.report import Report
    from iandw.model.timeline import Timeline
    from iandw.render import render, render_timeline
    from iandw.timeline import compute_timeline, parse_step


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'iandw' has no attribute {name!r}")


class _Package(types.ModuleType):
    """Importing the submodule iandw.render binds `render` here: keep the function, not the module."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
