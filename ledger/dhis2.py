"""DHIS2 mapping commands: give an indicator, organisation or cell the code a DHIS2 instance uses.

``Dhis2Commands`` is an area of the application like the others: the command line opens the
ledger as this area (``ledger_part(Dhis2Commands)``), and ``LedgerApplication`` can list it among
its parts. Who may record a mapping: the backbone (``ledger.permissions.RULES``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from domain.base import Envelope
from domain.collective import Collective
from domain.dhis2 import Dhis2Mapping, MappingKind, normal_key, split_cell_key
from domain.errors import RuleViolation
from ledger.core import Context, Receipt
from ledger.measurement import MeasurementCommands

__all__ = ["Dhis2Commands", "record_demo_mapping"]


class Dhis2Commands(MeasurementCommands):
    """The collective's DHIS2 codes (``collective export dhis2-map``)."""

    def set_dhis2_mapping(self, kind: MappingKind, key: str, code: str, ctx: Context) -> Receipt:
        """Map an indicator, organisation or cell of the collective to a DHIS2 code."""

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            checked = self._dhis2_key(collective.slug, MappingKind(kind), key)
            mapping = self._dhis2_mapping(collective.slug, env)
            mapping.set(kind, checked, code, env)
            return [mapping]

        return self._run(ctx, run)

    def clear_dhis2_mapping(self, kind: MappingKind, key: str, ctx: Context) -> Receipt:
        """Let a key map to its default DHIS2 code again."""

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            mapping = self._get(Dhis2Mapping, Dhis2Mapping.id_for(collective.slug))
            if mapping is None:
                raise RuleViolation(
                    f"{kind} {normal_key(kind, key)} has no DHIS2 code set (it maps to its "
                    "default already)"
                )
            mapping.clear(kind, key, env)
            return [mapping]

        return self._run(ctx, run)

    def _dhis2_mapping(self, collective: str, env: Envelope) -> Dhis2Mapping:
        found = self._get(Dhis2Mapping, Dhis2Mapping.id_for(collective))
        return found or Dhis2Mapping.open(collective, env)

    def _dhis2_key(self, collective: str, kind: MappingKind, key: str) -> str:
        """``key`` in its stored form, once the ledger knows what it names."""
        if kind is MappingKind.DATA_ELEMENT:
            return self.indicator(collective, key).code
        if kind is MappingKind.CATEGORY_OPTION_COMBO:
            code, cell = split_cell_key(key)
            indicator = self.indicator(collective, code)
            errors = []
            for version in reversed(indicator.versions):
                try:
                    version.definition.check_cell(cell, indicator.code)
                except RuleViolation as error:
                    errors.append(error)
                else:
                    return normal_key(kind, key)
            raise errors[0]
        slug = normal_key(kind, key)
        self.organisation(slug)
        return slug


def record_demo_mapping(
    app: Dhis2Commands, slug: str, actor: str, on: date = date(2026, 10, 25)
) -> None:
    """The demo's DHIS2 codes (invented): Saamuhika Shakti reports social-security approvals and
    incomes to a state DHIS2 instance that names them its own way. Every kind of mapping event is
    recorded, and the demo's other indicators keep their default codes."""
    ctx = Context(actor=actor, collective=slug, on=on)
    for kind, key, code in (
        (MappingKind.DATA_ELEMENT, "SS-SOC-01", "KA_SOC_SCHEME_APPROVED"),
        (MappingKind.DATA_ELEMENT, "SS-INC-01", "KA_INC_MEDIAN_MONTHLY"),
        (MappingKind.ORG_UNIT, "bal-raksha-bharat", "KA_BLR_BAL_RAKSHA"),
        (MappingKind.CATEGORY_OPTION_COMBO, "SS-INC-01/earner-sex=female", "EARNER_F"),
        (MappingKind.CATEGORY_OPTION_COMBO, "SS-INC-01/earner-sex=male", "EARNER_M"),
        (MappingKind.ATTRIBUTE_OPTION_COMBO, "sparsha-trust", "PARTNER_SPARSHA"),
    ):
        app.set_dhis2_mapping(kind, key, code, ctx)
    reason = "the state instance has no implementing-partner attribute"
    cleared = Context(actor=actor, collective=slug, on=on, reason=reason)
    app.clear_dhis2_mapping(MappingKind.ATTRIBUTE_OPTION_COMBO, "sparsha-trust", cleared)
