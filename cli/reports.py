"""Reports from the read models: ``collective alignment``, ``decisions`` and ``communication``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from cli.common import as_of_option, as_of_time, json_option, ledger
from cli.output import echo, print_json, print_table, say

if TYPE_CHECKING:
    from datetime import date

    from projections.registry import Views

__all__ = ["alignment", "communication", "decisions"]


@contextmanager
def _reading(as_of: str | None) -> Iterator[tuple[Views, str, int | None, date]]:
    """The views caught up, the collective, the position asked about and its local date."""
    from projections.clock import local_day
    from projections.registry import Views

    obj = click.get_current_context().find_root().obj
    with ledger() as app:
        moment = as_of_time(app, as_of)
        views = Views(app, notice=say)
        views.refresh()
        at = views.position(moment)
        slug = app.collective(obj.collective).slug
        yield views, slug, at, local_day(views, slug, at, moment)


def _section(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], empty: str) -> None:
    if rows:
        print_table(columns, rows, title=f"{title} ({len(rows)})")
    else:
        echo(f"{title}: {empty}")


# -- alignment -----------------------------------------------------------------------------------


@click.command()
@click.option(
    "--all", "everything", is_flag=True, help="List completed and dropped activities too."
)
@as_of_option
@json_option
def alignment(everything: bool, as_of: str | None, as_json: bool) -> None:
    """Activities by organisation and by the outcomes and indicators they serve.

    Also: the shared outcomes (of the current agenda version) and the active indicators that
    no active activity serves, which activities depend on which other partners' activities,
    and overdue commitments: active activities whose end date has passed (in the
    collective's time zone, at --as-of or now) or whose latest progress report says late.

    \b
    Example:
      collective alignment
      collective --collective oporajita alignment --as-of 2024-06-30 --json
    """
    from projections.alignment import alignment as query

    with _reading(as_of) as (views, slug, at, today):
        found = query(views, slug, at, today, everything=everything)
    if as_json:
        print_json(found)
        return
    _section(
        "Activities by organisation",
        ["organisation", "activity", "title", "serves", "term", "state", "progress"],
        [
            (
                a["org"],
                a["activity"],
                a["title"],
                ", ".join(a["serves"]),
                _term(a["start"], a["end"]),
                a["state"],
                a["progress"],
            )
            for a in found["activities"]
        ],
        "none",
    )
    _section(
        "Outcomes and indicators served",
        ["code", "kind", "title", "activities", "organisations"],
        [
            (
                c["code"],
                c["kind"],
                c["title"],
                ", ".join(c["activities"]),
                ", ".join(c["organisations"]),
            )
            for c in found["by_code"]
        ],
        "none",
    )
    unserved = found["unserved"]
    _section(
        "Not served by any active activity",
        ["kind", "code", "title"],
        [("outcome", o["code"], o["title"]) for o in unserved["outcomes"]]
        + [("indicator", i["code"], i["name"]) for i in unserved["indicators"]],
        "every outcome and indicator is served",
    )
    _section(
        "Dependencies",
        ["activity", "organisation", "depends on", "its organisation", "its state"],
        [
            (d["activity"], d["org"], d["depends_on"], d["depends_on_org"], d["depends_on_state"])
            for d in found["dependencies"]
        ],
        "none",
    )
    _section(
        f"Overdue on {found['today']}",
        ["activity", "organisation", "title", "end", "why"],
        [(o["activity"], o["org"], o["title"], o["end"], _why(o)) for o in found["overdue"]],
        "none",
    )


def _term(start: str | None, end: str | None) -> str:
    if not (start or end):
        return ""
    return f"{start or '…'} to {end or '…'}"


def _why(overdue: dict[str, Any]) -> str:
    reasons = []
    if overdue["days_past_end"] is not None:
        reasons.append(f"ended {overdue['days_past_end']} days ago")
    if overdue["reported_late_on"] is not None:
        reasons.append(f"reported late on {overdue['reported_late_on']}")
    return "; ".join(reasons)


# -- decisions -----------------------------------------------------------------------------------


_OUTCOMES = ("open", "passed", "rejected", "withdrawn")


@click.command()
@click.option("--body", default=None, metavar="BODY", help="Only decisions put to this body.")
@click.option(
    "--outcome",
    type=click.Choice(_OUTCOMES),
    default=None,
    help="Only decisions with this outcome.",
)
@as_of_option
@json_option
def decisions(body: str | None, outcome: str | None, as_of: str | None, as_json: bool) -> None:
    """The register of decisions: body, outcome, and the positions that count.

    Who consented, who objected (and why), who stood aside, and whether community seats
    took part. A closed decision shows the positions counted when it closed; an open one
    those of the members seated at --as-of (or now): a member who left its seat is not
    counted.

    \b
    Example:
      collective decisions
      collective decisions --body steering --outcome passed --as-of 2021-12-31 --json
    """
    from projections.decision_register import decision_register

    with _reading(as_of) as (views, slug, at, _):
        found = decision_register(views, slug, at, body=body, outcome=outcome)
    if as_json:
        print_json(found)
        return
    _section(
        "Decisions",
        [
            "decision",
            "title",
            "outcome",
            "on",
            "consented",
            "objected",
            "stood aside",
            "community",
        ],
        [
            (
                d["decision"],
                d["title"],
                d["outcome"],
                d["closed_on"] or d["proposed_on"],
                ", ".join(d["consented"]),
                "; ".join(f"{o['member']}: {o['reason']}" for o in d["objected"]),
                ", ".join(d["stood_aside"]),
                "took part" if d["community_took_part"] else "no",
            )
            for d in found
        ],
        "none",
    )


# -- communication -------------------------------------------------------------------------------


@click.command()
@click.option("--body", default=None, metavar="BODY", help="Only meetings of this body.")
@click.option(
    "--period",
    default=None,
    metavar="PERIOD",
    help="Only meetings and announcements in this period (2024Q1, 2024, FY2024-25...).",
)
@as_of_option
@json_option
def communication(body: str | None, period: str | None, as_of: str | None, as_json: bool) -> None:
    """Meetings per body and quarter, attendance, feedback awaiting a response, announcements.

    Attendance is counted per organisation or seat holder, and for community seats, with the
    seats as they were at each meeting (not as they are at --as-of). Feedback
    waits from the day it was received; the days are counted to --as-of (or today) in the
    collective's time zone.

    \b
    Example:
      collective communication
      collective communication --body steering --period FY2024-25 --json
    """
    from domain.periods import parse_period
    from projections import communication as views_of
    from projections.clock import settings_at
    from projections.decision_register import bodies, require_body

    with _reading(as_of) as (views, slug, at, today):
        if body is not None:
            require_body(bodies(views, slug, at), body)
        calendar, _ = settings_at(views, slug, at)
        span = parse_period(period, calendar) if period else None
        found = {
            "collective": slug,
            "today": today.isoformat(),
            "meetings": views_of.meetings(views, slug, at, body=body, period=span),
            "attendance": views_of.attendance(views, slug, at, body=body, period=span),
            "awaiting_response": views_of.awaiting_response(views, slug, at, today),
            "announcements": views_of.announcements(views, slug, at, period=span),
        }
    if as_json:
        print_json(found)
        return
    _print_communication(found)


def _print_communication(found: dict[str, Any]) -> None:
    _section(
        "Meetings",
        ["body", "quarter", "meetings", "with community seats", "attendances", "community"],
        [
            (
                m["body"],
                m["period"] + (f" ({m['fiscal_quarter']})" if m["fiscal_quarter"] else ""),
                m["meetings"],
                m["meetings_with_community_seats"],
                m["attendances"],
                m["community_attendances"],
            )
            for m in found["meetings"]
        ],
        "none",
    )
    _section(
        "Attendance",
        ["member", "seat", "bodies", "attended", "of meetings held"],
        [
            (
                a["member"],
                "community" if a["community_seat"] else "",
                ", ".join(a["bodies"]),
                a["attended"],
                a["held"],
            )
            for a in found["attendance"]
        ],
        "none",
    )
    _section(
        f"Feedback awaiting a response on {found['today']}",
        ["id", "received", "days waiting", "from", "text"],
        [
            (f["feedback"], f["received_on"], f["days_waiting"], f["source"], f["text"])
            for f in found["awaiting_response"]
        ],
        "none: every loop is closed",
    )
    _section(
        "Announcements",
        ["id", "made", "title", "audience"],
        [
            (a["announcement"], a["made_on"], a["title"], a["audience"])
            for a in found["announcements"]
        ],
        "none",
    )
