"""Files to a checked `Case`, with every problem found on the way.

    result = load(["observations/"], rules="rules/")
    for diagnostic in result.diagnostics: print(diagnostic.format())
    if result.ok: report = evaluate(result.case)

Reading never stops at the first problem: every file is read, every
document typed and every reference checked, so one run lists everything a
user must fix, and valid documents are never dropped because another is bad.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from iandw.diagnostics import Diagnostic, Span, has_errors
from iandw.limits import DEFAULT_LIMITS, Limits
from iandw.loader.checks import Broken, Loaded, build_case
from iandw.loader.files import find_files
from iandw.loader.lint import lint
from iandw.loader.read import read_file
from iandw.loader.source import RawDocument
from iandw.loader.typed import type_document
from iandw.model.case import Case
from iandw.model.registry import EntityRegistry

__all__ = ["DEFAULT_LIMITS", "Limits", "LoadResult", "load", "load_documents"]


@dataclass
class LoadResult:
    """The case and every diagnostic, sorted by file and position."""

    case: Case
    diagnostics: list[Diagnostic] = field(default_factory=list)
    loaded: dict[str, list[Loaded]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]


def load(
    paths: Iterable[str] = ("observations",),
    rules: str | None = "rules",
    limits: Limits = DEFAULT_LIMITS,
    lints: bool = True,
) -> LoadResult:
    """Read, type and check every document under `paths` and `rules`."""
    all_paths = list(paths) + ([rules] if rules else [])
    files, diagnostics = find_files(all_paths)
    raws: list[RawDocument] = []
    for file in files:
        for item in read_file(file, limits):
            if isinstance(item, Diagnostic):
                diagnostics.append(item)
            else:
                raws.append(item)
    return _check(raws, diagnostics, lints)


def load_documents(
    documents: Iterable[Mapping[str, Any]], name: str = "<documents>", lints: bool = False
) -> LoadResult:
    """Check in-memory documents (dicts as a YAML file would hold them).

    Diagnostics name `name` and the document's position in the sequence as
    its line, since there is no file.
    """
    raws = [
        RawDocument(dict(document), name, Span(name, index + 1, 1))
        for index, document in enumerate(documents)
    ]
    return _check(raws, [], lints)


def _check(raws: list[RawDocument], diagnostics: list[Diagnostic], lints: bool) -> LoadResult:
    loaded: list[Loaded] = []
    broken = Broken()
    for raw in raws:
        document, problems = type_document(raw)
        diagnostics.extend(problems)
        if document is not None:
            loaded.append(Loaded(document, raw))
        else:
            broken.add(raw)
    case, problems, unique = build_case(loaded, broken)
    diagnostics.extend(problems)
    if lints:
        diagnostics.extend(lint(case, unique))
    return LoadResult(case, sorted(set(diagnostics)), unique)


def empty_case() -> Case:
    return Case(EntityRegistry())
