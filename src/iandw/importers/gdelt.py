"""GDELT 2.0 events (the 61-column, tab-separated export) as observations.

One row is one machine-coded event.  Time is taken the way as-of evaluation
needs it: SQLDATE is when GDELT says the event happened (`date`), DATEADDED
is when GDELT learned of it (`reported`), so an evaluation as of a day never
sees an event GDELT had not yet coded.  The CAMEO EventCode gives the type
through the mapping, Actor1/Actor2 become entities with roles, and SOURCEURL
the source, its web domain the origin (several events coded from one
article are one source, not corroboration).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from functools import cache, partial
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

from iandw.diagnostics import Diagnostic, Span, quoted_start
from iandw.importers.entities import EntityBook, EntitySpec
from iandw.importers.mapping import GdeltMapping
from iandw.importers.outcomes import Outcome, RowError, Skipped, Unreadable, attempt, cannot_read
from iandw.importers.rows import Row, count, finite, read_field, read_rows, within
from iandw.model.documents import Credibility, Reliability

COLUMNS = (
    "GLOBALEVENTID",
    "SQLDATE",
    "MonthYear",
    "Year",
    "FractionDate",
    "Actor1Code",
    "Actor1Name",
    "Actor1CountryCode",
    "Actor1KnownGroupCode",
    "Actor1EthnicCode",
    "Actor1Religion1Code",
    "Actor1Religion2Code",
    "Actor1Type1Code",
    "Actor1Type2Code",
    "Actor1Type3Code",
    "Actor2Code",
    "Actor2Name",
    "Actor2CountryCode",
    "Actor2KnownGroupCode",
    "Actor2EthnicCode",
    "Actor2Religion1Code",
    "Actor2Religion2Code",
    "Actor2Type1Code",
    "Actor2Type2Code",
    "Actor2Type3Code",
    "IsRootEvent",
    "EventCode",
    "EventBaseCode",
    "EventRootCode",
    "QuadClass",
    "GoldsteinScale",
    "NumMentions",
    "NumSources",
    "NumArticles",
    "AvgTone",
    "Actor1Geo_Type",
    "Actor1Geo_FullName",
    "Actor1Geo_CountryCode",
    "Actor1Geo_ADM1Code",
    "Actor1Geo_ADM2Code",
    "Actor1Geo_Lat",
    "Actor1Geo_Long",
    "Actor1Geo_FeatureID",
    "Actor2Geo_Type",
    "Actor2Geo_FullName",
    "Actor2Geo_CountryCode",
    "Actor2Geo_ADM1Code",
    "Actor2Geo_ADM2Code",
    "Actor2Geo_Lat",
    "Actor2Geo_Long",
    "Actor2Geo_FeatureID",
    "ActionGeo_Type",
    "ActionGeo_FullName",
    "ActionGeo_CountryCode",
    "ActionGeo_ADM1Code",
    "ActionGeo_ADM2Code",
    "ActionGeo_Lat",
    "ActionGeo_Long",
    "ActionGeo_FeatureID",
    "DATEADDED",
    "SOURCEURL",
)
INDEX = {name: position for position, name in enumerate(COLUMNS)}

# Observation attribute ← column, and how its text is read.
_ATTRIBUTES: tuple[tuple[str, str, Callable[[str], Any]], ...] = (
    ("cameo_event_code", "EventCode", str),
    ("cameo_base_code", "EventBaseCode", str),
    ("cameo_root_code", "EventRootCode", str),
    ("is_root_event", "IsRootEvent", lambda text: text == "1"),
    ("quad_class", "QuadClass", within(1, 4, "a quad class")),
    ("goldstein", "GoldsteinScale", finite),
    ("num_mentions", "NumMentions", count),
    ("num_sources", "NumSources", count),
    ("num_articles", "NumArticles", count),
    ("avg_tone", "AvgTone", finite),
    ("actor1_code", "Actor1Code", str),
    ("actor1_name", "Actor1Name", str),
    ("actor2_code", "Actor2Code", str),
    ("actor2_name", "Actor2Name", str),
    ("action_country_fips", "ActionGeo_CountryCode", str),
    ("action_adm1", "ActionGeo_ADM1Code", str),
    ("action_lat", "ActionGeo_Lat", finite),
    ("action_long", "ActionGeo_Long", finite),
    ("action_feature_id", "ActionGeo_FeatureID", str),
)
_DIGITS = re.compile(r"[0-9]+")
# Rows read before a file none of whose rows has the export's columns is refused as a whole:
# a wrong file is one error, not one per row, however long it is.
SAMPLE_ROWS = 10
_EVENT_CODE = re.compile(r"[0-9]{2,4}")


@cache
def event_descriptions() -> dict[str, str]:
    """CAMEO code → GDELT's description of it (CAMEO.eventcodes.txt, shipped)."""
    text = files("iandw.importers").joinpath("mappings", "CAMEO.eventcodes.txt").read_text("utf-8")
    rows = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    next(rows)
    return {row[0]: row[1].strip() for row in rows if len(row) == 2}


class GdeltImporter:
    """Rows of GDELT 2.0 export files → observations; actors → entities."""

    unit = "row"

    def __init__(
        self,
        mapping: GdeltMapping,
        book: EntityBook,
        grade: tuple[Reliability, Credibility],
        field_limit: int,
    ) -> None:
        self.mapping = mapping
        self.book = book
        self.grade = grade
        self.field_limit = field_limit

    def read(self, path: str, advance: Callable[[int], None]) -> Iterator[Outcome | Diagnostic]:
        try:
            with contextlib.closing(
                read_rows(path, "\t", quoted=False, limit=self.field_limit, advance=advance)
            ) as rows:
                sample = list(itertools.islice(rows, SAMPLE_ROWS))
                if sample and not any(_has_columns(row) for row in sample):
                    yield Unreadable(_not_an_export(sample))
                    return
                yield from self._outcomes(itertools.chain(sample, rows))
        except OSError as exc:
            yield cannot_read(path, exc)

    def _outcomes(self, rows: Iterator[Row | Diagnostic]) -> Iterator[Outcome]:
        for row in rows:
            if isinstance(row, Diagnostic):
                yield Skipped(row, "malformed row")
            else:
                yield attempt(row.span, partial(self._observation, row), partial(_span_of, row))

    def _observation(self, row: Row) -> dict[str, Any]:
        if not _has_columns(row):
            raise RowError(
                "wrong number of columns",
                f"expected {len(COLUMNS)} tab-separated columns (a GDELT 2.0 export row), "
                f"got {len(row.fields)}",
            )
        fields = [field.strip() for field in row.fields]

        def get(name: str) -> str:
            return fields[INDEX[name]]

        event_id = get("GLOBALEVENTID")
        if not _DIGITS.fullmatch(event_id) or len(event_id) > 20:  # the digits of a 64-bit number at most
            raise RowError(
                "bad event id",
                f"GLOBALEVENTID {quoted_start(event_id, 30)} is not a number of at most 20 digits",
                field="GLOBALEVENTID",
            )
        added = get("DATEADDED")
        if not (len(added) == 14 and _DIGITS.fullmatch(added)):
            raise RowError("bad date", f"DATEADDED {added!r} is not YYYYMMDDHHMMSS", field="DATEADDED")
        date = _iso_day(get("SQLDATE"), "SQLDATE")
        reported = _iso_day(added[:8], "DATEADDED")
        code = get("EventCode")
        if not _EVENT_CODE.fullmatch(code):
            raise RowError("bad event code", f"EventCode {code!r} is not a CAMEO code", field="EventCode")
        rule = self.mapping.rule(code)
        if rule is None:
            raise RowError(
                "unmapped event code",
                f"no rule maps EventCode {code!r} (see --mapping)",
                field="EventCode",
            )
        attributes = {
            key: read_field(column, get(column), read) for key, column, read in _ATTRIBUTES if get(column)
        } | rule.attributes

        roles = rule.roles or self.mapping.roles
        entities = [
            {"entity": self._actor(get, number, row.span), "role": role}
            for number, role in ((1, roles[0]), (2, roles[1]))
            if get(f"Actor{number}Code")
        ]
        document: dict[str, Any] = {
            "id": f"gdelt-{event_id}",
            "type": rule.type,
            "date": date,
            "reported": reported,
        }
        if get("ActionGeo_FullName"):
            document["place"] = get("ActionGeo_FullName")
        actors = " → ".join(get(f"Actor{n}Name") or get(f"Actor{n}Code") or "(no actor)" for n in (1, 2))
        description = event_descriptions().get(code, "unknown CAMEO code")
        document["summary"] = f"{description} (CAMEO {code}): {actors}"
        document["entities"] = entities
        document["attributes"] = attributes
        document["sources"] = [self._source(get("SOURCEURL"))]
        return document

    # --- entities -------------------------------------------------------------

    def _actor(self, get: Callable[[str], str], number: int, span: Span) -> str:
        """The entity of Actor1 or Actor2: a known group, a country, or the full actor code."""
        prefix = f"Actor{number}"
        code = get(prefix + "Code")
        country = get(prefix + "CountryCode")
        group = get(prefix + "KnownGroupCode")
        ethnic = get(prefix + "EthnicCode")
        religions = tuple(r for r in (get(prefix + "Religion1Code"), get(prefix + "Religion2Code")) if r)
        types = tuple(t for t in (get(f"{prefix}Type{i}Code") for i in (1, 2, 3)) if t)
        if group:
            return self.book.ref(f"cameo-group:{group}", lambda: self._group(group), span)
        # GDELT breaks out only the codes its lookups list; the rest still say who the actor
        # is: letters are role codes (PTY, REL), digits end a religion code (CHRPRO300)
        rest = _unplaced(code, country, (ethnic, *religions, *types))
        types += tuple(part for part in rest if not part.isdigit())
        religions += tuple(part for part in rest if part.isdigit())
        if country and not (ethnic or religions or types):
            return self._country(country, span)

        def describe() -> EntitySpec:
            return self._composite(code, country, ethnic, religions, types, span)

        return self.book.ref(f"cameo:{code}", describe, span)

    def _country(self, country: str, span: Span) -> str:
        label = self.mapping.countries.get(country, f"CAMEO {country}")
        override = self.mapping.entities.get(country)
        return self.book.ref(
            f"cameo-country:{country}",
            lambda: EntitySpec(
                key=f"cameo-country:{country}",
                name=override or label,
                type=self.mapping.country_types.get(country, "state"),
                candidates=(label, country),
                attributes={"cameo_country": country},
                id_hint=country,
            ),
            span,
        )

    def _group(self, group: str) -> EntitySpec:
        known = self.mapping.known_groups.get(group)
        name = known.name if known else f"CAMEO group {group}"
        return EntitySpec(
            key=f"cameo-group:{group}",
            name=self.mapping.entities.get(group) or name,
            type=known.type if known else "group",
            candidates=(name, group),
            attributes={"cameo_known_group": group, **(known.attributes if known else {})},
            id_hint=group,
        )

    def _composite(
        self,
        code: str,
        country: str,
        ethnic: str,
        religions: tuple[str, ...],
        types: tuple[str, ...],
        span: Span,
    ) -> EntitySpec:
        """An actor code such as USAGOV: a country's government, military, media …"""
        words = [self.mapping.countries.get(country, country)] if country else []
        words += [self.mapping.religions.get(religion, religion) for religion in religions]
        words += [f"ethnic {ethnic}"] if ethnic else []
        known = [self.mapping.actor_types[t] for t in types if t in self.mapping.actor_types]
        words += [self.mapping.actor_types[t].label if t in self.mapping.actor_types else t for t in types]
        name = " ".join(dict.fromkeys(words)) or f"CAMEO {code}"
        attributes: dict[str, Any] = {"cameo_code": code}
        member_of: tuple[str, ...] = ()
        if country:
            country_id = self._country(country, span)
            attributes.update(cameo_country=country, country=country_id)
            if known and known[0].state_organ:
                member_of = (country_id,)
        if types:
            attributes["cameo_types"] = list(types)
        if religions:
            attributes["cameo_religions"] = list(religions)
        if ethnic:
            attributes["cameo_ethnic"] = ethnic
        for actor_type in reversed(known):
            attributes.update(actor_type.attributes)
        if known:
            entity_type = known[0].type
        else:
            entity_type = "religious-group" if religions else "ethnic-group" if ethnic else "actor"
        return EntitySpec(
            key=f"cameo:{code}",
            name=self.mapping.entities.get(code) or name,
            type=entity_type,
            candidates=(name, code),
            member_of=member_of,
            attributes=attributes,
            id_hint=code,
        )

    # --- provenance -----------------------------------------------------------

    def _source(self, url: str) -> dict[str, Any]:
        """SOURCEURL as the source; its web domain as the origin."""
        try:
            parts = urlsplit(url)
            host = parts.hostname if parts.scheme in ("http", "https") else None
        except ValueError:
            host = None
        if host:
            domain = host.removeprefix("www.")
            source: dict[str, Any] = {"name": domain, "origin": domain, "url": url}
        else:  # older rows name a service ("… /BBC Monitoring/(c) BBC") instead of a URL
            source = {"name": url or "GDELT", "origin": url or "gdelt"}
        source.update(reliability=self.grade[0], credibility=self.grade[1], note="machine-coded by GDELT")
        return source


def _unplaced(code: str, country: str, placed: tuple[str, ...]) -> tuple[str, ...]:
    """The 3-character codes of an actor code in none of its columns, in their order.

    Those before the country code are left out: a country there is the state the
    country code's region belonged to (CAMEO 1.1b3 section 3.1.2: Serbia 2003-2006 is
    SCGSRB, SRB within Serbia and Montenegro, and GDELT gives SRB as its country).
    """
    left = Counter(part for part in placed if part)
    rest: list[str] = []
    seen_country = False
    for part in (code[i : i + 3] for i in range(0, len(code), 3)):
        if part == country and not seen_country:
            seen_country = True
            rest.clear()
        elif left[part]:
            left[part] -= 1
        else:
            rest.append(part)
    return tuple(rest)


def _span_of(row: Row, column: str) -> Span:
    """Where the row's field of `column` starts."""
    return row.span_at(INDEX[column])


def _has_columns(row: Row | Diagnostic) -> bool:
    return isinstance(row, Row) and len(row.fields) == len(COLUMNS)


def _not_an_export(sample: list[Row | Diagnostic]) -> Diagnostic:
    """One error for a file none of whose first rows is an export row, at its first row."""
    first = sample[0]
    if isinstance(first, Row):
        where, why = first.span, f"expected {len(COLUMNS)} tab-separated columns, got {len(first.fields)}"
    else:
        where, why = Span(first.file, first.line, first.column), first.message
    if len(sample) > 1:
        why += f", and no row of its first {len(sample)} has {len(COLUMNS)} columns"
    return where.error(f"not a GDELT 2.0 export: {why}")


def _iso_day(text: str, column: str) -> str:
    """'20150218' → '2015-02-18'."""
    try:
        if len(text) != 8 or not _DIGITS.fullmatch(text):
            raise ValueError
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
    except ValueError:
        raise RowError("bad date", f"{column} {text!r} is not a date (YYYYMMDD)", field=column) from None
