"""An IATI 2.03 activity file: the collective as one ``<iati-activity>``.

Children in the order the schema requires: ``iati-identifier`` (the reporting organisation's
reference, a hyphen, the collective's slug), ``reporting-org`` (the current backbone, or the
organisation asked for), ``title`` (the collective's name), ``description`` (the common agenda:
type 1 the problem, type 2 the vision and shared outcomes), ``participating-org`` (every member
the ledger has known: 1 funding for funders, 2 accountable for backbones, 4 implementing for the
others), ``activity-status`` 2 (implementation), ``activity-date`` type 2 (the effective date of
the collective's first event), ``recipient-country`` (IN for the india calendar, BD for
bangladesh), ``transaction`` (funding commitments and disbursements) and ``result`` (one per
indicator, see :mod:`projections.exports.iati_results`).

Transactions are typed from the reporting organisation's side: a commitment is 2 (outgoing
commitment) and a disbursement 3, except where the reporting organisation receives the money:
then 11 (incoming commitment) and 1 (incoming funds), as IATI asks.

Organisations are referred to by ``--org-ref SLUG=REF`` (their IATI organisation identifier)
where given, else by their slug. Written with the standard library's ElementTree (lxml is only
needed to validate, in the tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element, ElementTree, SubElement, indent

from projections.exports import ExportRequest, written_file
from projections.exports.iati_results import SUPPRESSED, result
from projections.exports.privacy import DEFAULT_THRESHOLD
from projections.log import wording

if TYPE_CHECKING:
    from projections.registry import Views

__all__ = ["COUNTRY", "ORG_ROLE", "ORG_TYPE", "activity", "org_refs", "write_iati"]

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
COUNTRY = {"india": "IN", "bangladesh": "BD"}
"""The recipient country a collective's calendar stands for (``--country`` overrides)."""
ORG_ROLE = {"funder": "1", "backbone": "2"}
"""IATI OrganisationRole by a member's role: 1 funding, 2 accountable; the others 4 implementing."""
IMPLEMENTING = "4"
ORG_TYPE = {"funder": "60", "government": "10", "learning": "80"}
"""IATI OrganisationType by the ledger's organisation type (60 foundation, 10 government,
80 academic, training and research); any other is 90 (other)."""
OTHER_TYPE = "90"


def _narrative(
    parent: Element, tag: str, text: str, attributes: dict[str, str] | None = None
) -> Element:
    element = SubElement(parent, tag, attributes or {})
    SubElement(element, "narrative").text = text
    return element


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _one(rows: list[dict[str, Any]], what: str, key: str) -> dict[str, Any]:
    if not rows:
        from domain.errors import NotFound

        raise NotFound(what, key)
    return rows[0]


class _Organisations:
    """Names, types and IATI references of the organisations in the store."""

    def __init__(self, views: Views, at: int | None, refs: dict[str, str]) -> None:
        db = views.db
        rows = db.query(
            f"SELECT org, name, type FROM {db.table('view_organisations')} WHERE {db.visible(at)}"
        )
        self.known = {str(r["org"]): (str(r["name"]), str(r["type"])) for r in rows}
        unknown = sorted(set(refs) - set(self.known))
        if unknown:
            from domain.errors import NotFound

            raise NotFound("organisation", unknown[0], "check the slug given to --org-ref")
        self.refs = refs

    def ref(self, org: str) -> str:
        return self.refs.get(org, org)

    def name(self, org: str) -> str:
        return self.known[org][0] if org in self.known else org

    def type(self, org: str) -> str:
        return ORG_TYPE.get(self.known[org][1], OTHER_TYPE) if org in self.known else OTHER_TYPE

    def element(self, parent: Element, tag: str, org: str, **more: str) -> Element:
        return _narrative(
            parent, tag, self.name(org), {"ref": self.ref(org), **more, "type": self.type(org)}
        )


def _reporting_org(views: Views, collective: str, at: int | None, asked: str | None) -> str:
    from domain.errors import NotFound, RuleViolation
    from projections.agenda import backbone_terms

    if asked is not None:
        return asked
    terms = backbone_terms(views, collective, at)
    if not terms or terms[-1]["ended"] is not None:
        raise RuleViolation(f"{collective} has no backbone to report as: give --reporting-org ORG")
    found = str(terms[-1]["org"])
    if not found:  # pragma: no cover - a term always names its organisation
        raise NotFound("backbone of", collective)
    return found


def _country(calendar: str, collective: str, asked: str | None) -> str:
    if asked is not None:
        code = asked.strip().upper()
        if len(code) != 2 or not code.isascii() or not code.isalpha():
            raise ValueError(f"--country {asked!r} is not an ISO 3166-1 alpha-2 code (IN, BD)")
        return code
    if calendar not in COUNTRY:
        from domain.errors import RuleViolation

        raise RuleViolation(
            f"the recipient country of {collective} is not known from its {calendar} calendar: "
            "give --country CODE"
        )
    return COUNTRY[calendar]


def _members(views: Views, collective: str, at: int | None) -> list[tuple[str, str]]:
    """Every organisation that has been a member (``(IATI role, org)``), by role, then slug."""
    db = views.db
    rows = db.query(
        f"SELECT org, role FROM {db.table('view_members')} "
        f"WHERE collective = ? AND {db.visible(at)}",
        [collective],
    )
    return sorted((ORG_ROLE.get(str(r["role"]), IMPLEMENTING), str(r["org"])) for r in rows)


def _log_bounds(views: Views, collective: str, at: int | None) -> tuple[date, str]:
    """The effective date of the collective's first event and the recorded time of its last."""
    db = views.db
    upto = "" if at is None else f" AND position <= {int(at)}"
    table = db.table("view_log")
    first = db.query(
        f"SELECT position FROM {table} WHERE collective = ?{upto} ORDER BY position LIMIT 1",
        [collective],
    )
    last = db.query(
        f"SELECT recorded_at FROM {table} WHERE collective = ?{upto} "
        "ORDER BY position DESC LIMIT 1",
        [collective],
    )
    position = int(_one(first, "collective", collective)["position"])
    start = date.fromisoformat(wording(views.app, [position])[position].effective)
    return start, str(last[0]["recorded_at"])[:19] + "Z"


def _descriptions(parent: Element, views: Views, collective: str, at: int | None) -> None:
    from projections.agenda import agenda_version

    text = agenda_version(views, collective, at).text
    _narrative(parent, "description", text.problem, {"type": "1"})
    outcomes = "; ".join(f"{o.code} {o.title}" for o in text.outcomes)
    _narrative(parent, "description", f"{text.vision} Shared outcomes: {outcomes}.", {"type": "2"})


def _transactions(
    parent: Element,
    views: Views,
    collective: str,
    at: int | None,
    reporter: str,
    orgs: _Organisations,
) -> None:
    from projections.funding_iati import funding_flows

    for flow in funding_flows(views, collective, at):
        incoming = flow.recipient == reporter
        if flow.kind == "commitment":
            code = "11" if incoming else "2"
        else:
            code = "1" if incoming else "3"
        element = SubElement(parent, "transaction", {"ref": flow.funding})
        SubElement(element, "transaction-type", {"code": code})
        day = flow.on.isoformat()
        SubElement(element, "transaction-date", {"iso-date": day})
        value = SubElement(element, "value", {"currency": flow.currency, "value-date": day})
        value.text = format(flow.amount, "f")
        _narrative(
            element, "description", f"{flow.kind} {flow.funding} (log position {flow.position})"
        )
        orgs.element(element, "provider-org", flow.funder)
        orgs.element(element, "receiver-org", flow.recipient)


def _results(
    parent: Element,
    views: Views,
    collective: str,
    at: int | None,
    calendar: str,
    threshold: int,
) -> None:
    from domain.errors import RuleViolation
    from domain.periods import Calendar
    from projections.measurement import indicator_views, reported_values, target_views

    indicators = indicator_views(views, collective, at)
    if not indicators:
        raise RuleViolation(
            f"{collective} has no indicators to export: define one with "
            "`collective indicator define`"
        )
    reported = reported_values(views, collective, at)
    targets = target_views(views, collective, at)
    for indicator in indicators:
        own = [t for t in targets if t.code == indicator.code]
        result(parent, indicator, reported, own, Calendar(calendar), threshold)


def activity(
    views: Views,
    collective: str,
    at: int | None,
    *,
    reporting_org: str | None = None,
    country: str | None = None,
    org_refs: dict[str, str] | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> Element:
    """The ``<iati-activity>`` of ``collective`` as the ledger held it at ``at``."""
    db = views.db
    settings = _one(
        db.query(
            f"SELECT name, calendar, currency FROM {db.table('view_collectives')} "
            f"WHERE collective = ? AND {db.visible(at)}",
            [collective],
        ),
        "collective",
        collective,
    )
    recipient = _country(str(settings["calendar"]), collective, country)
    orgs = _Organisations(views, at, org_refs or {})
    reporter = _reporting_org(views, collective, at, reporting_org)
    if reporter not in orgs.known:
        from domain.errors import NotFound

        raise NotFound("organisation", reporter, "check --reporting-org")
    start, updated = _log_bounds(views, collective, at)
    element = Element(
        "iati-activity",
        {
            "last-updated-datetime": updated,
            XML_LANG: "en",
            "default-currency": str(settings["currency"]),
        },
    )
    SubElement(element, "iati-identifier").text = f"{orgs.ref(reporter)}-{collective}"
    orgs.element(element, "reporting-org", reporter)
    _narrative(element, "title", str(settings["name"]))
    _descriptions(element, views, collective, at)
    for role, org in _members(views, collective, at):
        _narrative(
            element,
            "participating-org",
            orgs.name(org),
            {"ref": orgs.ref(org), "type": orgs.type(org), "role": role},
        )
    SubElement(element, "activity-status", {"code": "2"})
    SubElement(element, "activity-date", {"type": "2", "iso-date": start.isoformat()})
    SubElement(element, "recipient-country", {"code": recipient})
    _transactions(element, views, collective, at, reporter, orgs)
    _results(element, views, collective, at, str(settings["calendar"]), threshold)
    return element


def org_refs(texts: Sequence[str]) -> dict[str, str]:
    """``SLUG=REF`` texts (``--org-ref``) as a mapping."""
    refs: dict[str, str] = {}
    for text in texts:
        slug, sep, ref = text.partition("=")
        if not sep or not slug.strip() or not ref.strip():
            raise ValueError(
                f"--org-ref {text!r} is not SLUG=REF (for example hm-foundation=XX-DEMO-HMF)"
            )
        refs[slug.strip()] = ref.strip()
    return refs


def write_iati(request: ExportRequest) -> int:
    """``<iati-activities version="2.03">`` with the collective's activity, as UTF-8 XML;
    returns how many actual values were withheld."""
    options = request.options
    root = Element(
        "iati-activities", {"version": "2.03", "generated-datetime": _stamp(request.generated_at)}
    )
    root.append(
        activity(
            request.views,
            request.collective,
            request.at,
            reporting_org=options.get("reporting_org"),
            country=options.get("country"),
            org_refs=org_refs(options.get("org_refs") or ()),
            threshold=int(options.get("threshold", DEFAULT_THRESHOLD)),
        )
    )
    indent(root, space="  ")
    with written_file(request.out) as temporary, temporary.open("wb") as out:
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
        ElementTree(root).write(out, encoding="utf-8", xml_declaration=False)
        out.write(b"\n")
    return sum(1 for comment in root.iter("comment") if comment.findtext("narrative") == SUPPRESSED)
