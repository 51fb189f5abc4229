"""ACLED event exports (CSV with a header row) as observations.

ACLED is hand-coded and says how well it knows each date: time_precision 1
is the day, 2 a week around event_date, 3 only the month, and each becomes
the EDTF date that denotes exactly that uncertainty, so that a `within`
window over a week-precise event is "possible" rather than falsely definite.
`timestamp` (when the row was last published or updated) becomes `reported`:
a row that says it was published before its event could have happened is an
error, not an observation that as-of evaluation would see too early.
Every outlet named in `source` is its own source, so an event that two
outlets report counts as corroborated.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from iandw.diagnostics import Diagnostic, Span, quoted_start
from iandw.importers.entities import EntityBook, EntitySpec, slugify, unique
from iandw.importers.mapping import AcledMapping, InterCode, ObservationRule
from iandw.importers.outcomes import Outcome, RowError, Skipped, Unreadable, attempt, cannot_read
from iandw.importers.rows import Row, count, finite, read_field, read_rows, within
from iandw.model.documents import Credibility, Reliability

REQUIRED = (
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "inter1",
    "actor2",
    "inter2",
    "source",
)

# Observation attribute ← column, and how its text is read.
_ATTRIBUTES: tuple[tuple[str, Callable[[str], Any]], ...] = (
    ("event_id_cnty", str),
    ("time_precision", within(1, 3, "a time precision")),
    ("disorder_type", str),
    ("event_type", str),
    ("sub_event_type", str),
    ("interaction", str),
    ("civilian_targeting", str),
    ("iso", within(0, 999, "an ISO 3166 numeric country code")),
    ("region", str),
    ("country", str),
    ("admin1", str),
    ("admin2", str),
    ("admin3", str),
    ("location", str),
    ("latitude", finite),
    ("longitude", finite),
    ("geo_precision", count),
    ("source_scale", str),
    ("fatalities", count),
    ("tags", str),
)
_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y")
# Seconds since 1970-01-01 UTC; a fraction (".0" where a spreadsheet or pandas wrote the
# column as a float) does not change the second's day.
_UNIX_TIME = re.compile(r"([0-9]+)(?:\.[0-9]+)?")
_EPOCH = dt.date(1970, 1, 1).toordinal()


class AcledImporter:
    """Rows of ACLED exports → observations; actors → entities."""

    unit = "row"

    def __init__(
        self,
        mapping: AcledMapping,
        book: EntityBook,
        grade: tuple[Reliability, Credibility],
        field_limit: int,
    ) -> None:
        self.mapping = mapping
        self.book = book
        self.grade = grade
        self.field_limit = field_limit
        self._event_types = {name.casefold(): rule for name, rule in mapping.event_types.items()}
        self._sub_event_types = {name.casefold(): rule for name, rule in mapping.sub_event_types.items()}
        self._inter = {code: (code, rule) for code, rule in mapping.inter.items()}
        self._inter.update({rule.label.casefold(): (code, rule) for code, rule in mapping.inter.items()})
        pattern = mapping.state_organ_pattern
        self._state_organ = re.compile(pattern) if pattern else None

    def read(self, path: str, advance: Callable[[int], None]) -> Iterator[Outcome | Diagnostic]:
        header: list[str] | None = None
        try:
            for row in read_rows(path, ",", quoted=True, limit=self.field_limit, advance=advance):
                if isinstance(row, Diagnostic) and header is None:  # every row after it would be misread
                    yield Unreadable(Span(row.file, row.line, row.column).error(f"header row: {row.message}"))
                    return
                if isinstance(row, Diagnostic):
                    yield Skipped(row, "malformed row")
                elif header is None:
                    header = [name.strip().casefold() for name in row.fields]
                    missing = [name for name in REQUIRED if name not in header]
                    if missing:
                        yield Unreadable(
                            row.span.error(f"not an ACLED export: the header has no {', '.join(missing)}")
                        )
                        return
                    twice = sorted({name for name in header if name and header.count(name) > 1})
                    if twice:  # which of its columns to read would be a guess
                        named = ", ".join(repr(name) for name in twice)
                        yield Unreadable(row.span.error(f"the header names {named} more than once"))
                        return
                else:
                    yield attempt(
                        row.span, partial(self._observation, header, row), partial(_span_of, header, row)
                    )
        except OSError as exc:
            yield cannot_read(path, exc)
            return
        if header is None:
            yield Unreadable(Span(path).error("empty file: an ACLED export starts with its header row"))

    def _observation(self, header: list[str], row: Row) -> dict[str, Any]:
        if len(row.fields) != len(header):
            raise RowError(
                "wrong number of fields",
                f"expected {len(header)} fields as in the header, got {len(row.fields)}",
            )
        values = {name: field.strip() for name, field in zip(header, row.fields, strict=True)}
        event = values["event_id_cnty"]
        identifier = slugify(event)
        if not identifier:
            raise RowError(
                "bad event id", f"event_id_cnty {event!r} cannot make an id", field="event_id_cnty"
            )
        rule, roles, extra = self._rule(values["event_type"], values["sub_event_type"])
        date, earliest = self._date(values["event_date"], values["time_precision"])
        document: dict[str, Any] = {"id": f"acled-{identifier}", "type": rule.type, "date": date}
        if values.get("timestamp"):
            document["reported"] = _reported(values["timestamp"], date, earliest)
        place = ", ".join(
            dict.fromkeys(v for v in (values.get(k) for k in ("location", "admin1", "country")) if v)
        )
        if place:
            document["place"] = place
        if values.get("notes"):
            document["summary"] = values["notes"]
        document["entities"] = self._references(values, roles, row.span)
        document["attributes"] = {
            column: read_field(column, values[column], read)
            for column, read in _ATTRIBUTES
            if values.get(column)
        } | extra
        document["sources"] = self._sources(values["source"], values.get("source_scale", ""))
        return document

    def _date(self, text: str, precision: str) -> tuple[str, dt.date]:
        """The EDTF date for event_date at its time_precision, and the earliest day it allows."""
        day = _event_day(text)
        if precision == "1":
            return day.isoformat(), day
        if precision == "2":
            week = self.mapping.week
            try:
                lo, hi = day - dt.timedelta(days=week.before), day + dt.timedelta(days=week.after)
            except OverflowError:
                raise RowError(
                    "bad date",
                    f"event_date {text!r}: the week around it is outside the years 1-9999",
                    field="event_date",
                ) from None
            return (lo.isoformat() if lo == hi else f"{lo.isoformat()}/{hi.isoformat()}"), lo
        if precision == "3":
            return f"{day.year:04d}-{day.month:02d}", day.replace(day=1)
        raise RowError(
            "bad time precision", f"time_precision {precision!r} is not 1, 2 or 3", field="time_precision"
        )

    def _rule(
        self, event_type: str, sub_event_type: str
    ) -> tuple[ObservationRule, list[str], dict[str, Any]]:
        """The sub-event rule, else the event rule; roles and attributes from both."""
        event_rule = self._event_types.get(event_type.casefold())
        sub_rule = self._sub_event_types.get(sub_event_type.casefold())
        rule = sub_rule or event_rule
        if rule is None:
            raise RowError(
                "unmapped event type",
                f"no rule maps event_type {event_type!r} or sub_event_type {sub_event_type!r} "
                "(see --mapping)",
            )
        roles = (sub_rule and sub_rule.roles) or (event_rule and event_rule.roles) or self.mapping.roles
        attributes = {
            **(event_rule.attributes if event_rule else {}),
            **(sub_rule.attributes if sub_rule else {}),
        }
        return rule, roles, attributes

    # --- entities -------------------------------------------------------------

    def _references(self, values: dict[str, str], roles: list[str], span: Span) -> list[dict[str, str]]:
        """actor1, its associated actors, actor2, its associated actors — each with its side's role."""
        references = []
        for number, role in ((1, roles[0]), (2, roles[1])):
            actor = values[f"actor{number}"]
            if actor:
                inter = self._inter_rule(values[f"inter{number}"], f"inter{number}")
                references.append({"entity": self._actor(actor, inter, span), "role": role})
            for associated in values.get(f"assoc_actor_{number}", "").split(";"):
                if associated.strip():
                    references.append({"entity": self._actor(associated.strip(), None, span), "role": role})
        return unique(references)

    def _inter_rule(self, value: str, column: str) -> tuple[str, InterCode] | None:
        """The mapping's (code, rule) for an inter1/inter2 code or label."""
        if not value:
            return None
        found = self._inter.get(value) or self._inter.get(value.casefold())
        if found is None:
            raise RowError(
                "unknown inter code",
                f"{column} {value!r} is not an ACLED actor type (see --mapping)",
                field=column,
            )
        return found

    def _actor(self, name: str, inter: tuple[str, InterCode] | None, span: Span) -> str:
        def describe() -> EntitySpec:
            attributes: dict[str, Any] = {}
            if inter is not None:
                code, rule = inter
                attributes.update(rule.attributes)
                attributes.update(
                    acled_inter=int(code) if code.isascii() and code.isdigit() else code,
                    acled_inter_label=rule.label,
                )
            match = self._state_organ.match(name) if self._state_organ else None
            member_of = (self._state(match["state"].strip(), span),) if match else ()
            return EntitySpec(
                key=f"acled:{name}",
                name=self.mapping.entities.get(name) or name,
                type=inter[1].type if inter else self.mapping.associated_actor_type,
                candidates=(name,),
                member_of=member_of,
                attributes=attributes,
            )

        return self.book.ref(f"acled:{name}", describe, span)

    def _state(self, name: str, span: Span) -> str:
        return self.book.ref(
            f"acled-state:{name}",
            lambda: EntitySpec(
                key=f"acled-state:{name}",
                name=self.mapping.entities.get(name) or name,
                type="state",
                candidates=(name,),
            ),
            span,
        )

    # --- provenance -----------------------------------------------------------

    def _sources(self, text: str, scale: str) -> list[dict[str, Any]]:
        """Each outlet named in `source` (separated by ';') is one source; none named: ACLED itself."""
        names = list(dict.fromkeys(name.strip() for name in text.split(";") if name.strip())) or ["ACLED"]
        note = "coded by ACLED" + (f"; source scale: {scale}" if scale else "")
        return [
            {
                "name": name,
                "origin": name,
                "reliability": self.grade[0],
                "credibility": self.grade[1],
                "note": note,
            }
            for name in names
        ]


def _span_of(header: list[str], row: Row, column: str) -> Span:
    """Where the row's field of `column` starts."""
    return row.span_at(header.index(column))


def _event_day(text: str) -> dt.date:
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise RowError(
        "bad date",
        f"event_date {text!r} is not a date (2023-09-04 or 04 September 2023)",
        field="event_date",
    )


def _reported(text: str, date: str, earliest: dt.date) -> str:
    """The day of ACLED's `timestamp`, which cannot be before the event it reports."""
    day = _timestamp_day(text)
    if day < earliest:
        # event_date is a local day and timestamp UTC, yet ACLED publishes weekly, never
        # within the hours that could put its UTC day before the event's
        raise RowError(
            "timestamp before the event",
            f"timestamp {quoted_start(text, 30)} is {day.isoformat()}, before the event's date {date}: "
            "ACLED publishes a row only after its event",
            field="timestamp",
        )
    return day.isoformat()


def _timestamp_day(text: str) -> dt.date:
    """ACLED's `timestamp` (seconds since 1970-01-01 UTC) → its UTC day."""
    match = _UNIX_TIME.fullmatch(text)
    if match is None:
        raise RowError(
            "bad timestamp",
            f"timestamp {quoted_start(text, 30)} is not seconds since 1970-01-01 UTC (such as 1694431234)",
            field="timestamp",
        )
    seconds = match[1].lstrip("0") or "0"
    last = dt.date.max.toordinal()
    # 13 digits or more are past the year 9999: int() is never handed thousands of them
    ordinal = _EPOCH + int(seconds) // 86400 if len(seconds) <= 12 else last + 1
    if ordinal > last:
        raise RowError(
            "bad timestamp",
            f"timestamp {quoted_start(text, 30)} is after the year 9999 in seconds since 1970 "
            "(ACLED gives seconds, not milliseconds)",
            field="timestamp",
        )
    return dt.date.fromordinal(ordinal)
