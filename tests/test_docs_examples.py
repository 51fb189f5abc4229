"""The YAML examples of docs/language.md and the README, run as a rule author would run them.

A reader copies the reference's examples into the shipped case: the entity,
observation, indicator (with the Rule tests block as its `tests:`),
hypothesis, scale and scoring must load without an error, match the JSON
Schemas an editor is pointed at, and the rule test must pass.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from iandw.loader import load_documents
from iandw.model.schema import json_schema
from iandw.ruletests import run_rule_tests

ROOT = Path(__file__).resolve().parent.parent


def language_examples() -> dict[str, str]:
    """The YAML blocks of docs/language.md by what they hold: 'indicator', 'tests', …"""
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    blocks: dict[str, str] = {}
    for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
        if block.startswith("# yaml-language-server"):  # Editor support: a header, not a document
            continue
        first = block.splitlines()[0]
        what = first.removeprefix("kind:").split("#")[0].strip().rstrip(":")
        blocks.setdefault(what, block)
    return blocks


def shipped_documents() -> list[dict[str, Any]]:
    documents = []
    for folder in ("rules", "observations"):
        for path in sorted((ROOT / folder).rglob("*.yaml")):
            documents += [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    return documents


def documented_case() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(the examples as documents, the shipped case with the examples in place of their namesakes)."""
    blocks = language_examples()
    indicator = yaml.safe_load(blocks["indicator"])
    indicator["tests"] = yaml.safe_load(blocks["tests"])["tests"]
    examples = [indicator] + [
        yaml.safe_load(blocks[kind]) for kind in ("entity", "observation", "hypothesis", "scale", "scoring")
    ]
    replaced = {(d["kind"], d.get("id")) for d in examples}
    kept = [d for d in shipped_documents() if (d["kind"], d.get("id")) not in replaced]
    return examples, kept + examples


def test_the_language_examples_load_together_without_an_error():
    _, documents = documented_case()
    result = load_documents(documents)
    assert [d.format() for d in result.errors] == []


def test_the_documented_rule_test_passes_on_the_documented_indicator():
    """The Rule tests block, pasted where the indicator says `tests: []  # see Rule tests`."""
    _, documents = documented_case()
    result = load_documents(documents)
    outcomes = [o for o in run_rule_tests(result) if o.indicator_id == "leadership-meeting-before-attack"]
    assert [(o.name, o.actual, o.passed, o.why) for o in outcomes] == [
        ("fires five weeks before the attack", "fired", True, "")
    ]


def test_the_language_examples_match_the_editor_schemas():
    examples, _ = documented_case()
    rules = jsonschema.Draft202012Validator(json_schema("rules"))
    observations = jsonschema.Draft202012Validator(json_schema("observations"))
    for document in examples:
        plain = json.loads(json.dumps(document, default=str))  # dates as an editor's YAML 1.2 holds them
        validator = observations if document["kind"] == "observation" else rules
        assert [e.message for e in validator.iter_errors(plain)] == [], document["kind"]


def test_the_readme_indicator_passes_its_own_test_in_the_shipped_case():
    """The README's indicator, pasted over the shipped one of its id, loads and its test passes."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if b.startswith("kind: indicator"))
    indicator = yaml.safe_load(block)
    kept = [d for d in shipped_documents() if (d["kind"], d.get("id")) != ("indicator", indicator["id"])]
    result = load_documents([*kept, indicator])
    assert [d.format() for d in result.errors] == []
    outcomes = [o for o in run_rule_tests(result) if o.indicator_id == indicator["id"]]
    assert [(o.name, o.actual, o.passed) for o in outcomes] == [
        ("fires 36 days before the attack", "fired", True)
    ]
