"""Shared measurement commands: indicators, targets, values and their review, closed periods."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.base import Envelope
from domain.collective import Collective
from domain.errors import AlreadyExists, Conflict, DomainError, NotFound, RuleViolation
from domain.indicator import Indicator, IndicatorDictionary
from domain.measurement import Cell, Definition, Revision, check_code
from domain.periods import Period, parse_period
from domain.reporting import (
    Report,
    ReportingPeriod,
    ReportKey,
    Submission,
    ValueKey,
    enclosing_periods,
)
from domain.vocabulary import ReviewAction, Unit
from ledger.core import Context, Receipt
from ledger.governance import GovernanceCommands

__all__ = ["MeasurementCommands"]


class MeasurementCommands(GovernanceCommands):
    """The indicator dictionary, targets, values with their corrections and review, closures."""

    # -- indicators ------------------------------------------------------------------------

    def define_indicator(self, code: str, definition: Definition, ctx: Context) -> Receipt:
        """Define an indicator; a currency indicator without a currency takes the collective's."""

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            wanted = definition
            if wanted.unit is Unit.CURRENCY and wanted.currency is None:
                wanted = wanted.model_copy(update={"currency": collective.settings.currency})
            calendar = collective.settings.calendar
            indicator = Indicator.define(collective.slug, calendar, code, wanted, env)
            dictionary = self._get(
                IndicatorDictionary, IndicatorDictionary.id_for(collective.slug)
            ) or IndicatorDictionary.open(collective.slug, env)
            dictionary.list_indicator(indicator.code, env)
            return [indicator, dictionary]

        return self._run(ctx, run, refusal=lambda: self._define_refusal(ctx, code))

    def _define_refusal(self, ctx: Context, code: str) -> DomainError:
        slug = self.collective(ctx.collective).slug
        if self._get(Indicator, Indicator.id_for(slug, code)) is not None:
            return AlreadyExists("indicator", check_code(code))
        return Conflict("another indicator was defined at the same moment: run the command again")

    def revise_indicator(
        self, code: str, revision: Revision, decision: str, ctx: Context
    ) -> Receipt:
        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            indicator = self.indicator(collective.slug, code)
            self.require_passed(collective.slug, decision)
            indicator.revise(revision, decision, env)
            return [indicator]

        return self._run(ctx, run)

    def set_target(
        self, code: str, period: str, value: str, ctx: Context, *, cell: Cell = ()
    ) -> Receipt:
        """Set the target for a period (and cell); changing an existing one needs a reason."""

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            indicator = self.indicator(collective.slug, code)
            when = parse_period(period, collective.settings.calendar)
            indicator.set_target(when, cell, value, env)
            return [indicator]

        return self._run(ctx, run)

    def retire_indicator(self, code: str, decision: str, ctx: Context) -> Receipt:
        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            indicator = self.indicator(collective.slug, code)
            self.require_passed(collective.slug, decision)
            indicator.retire(decision, env)
            return [indicator]

        return self._run(ctx, run)

    def indicator(self, collective: str, code: str) -> Indicator:
        found = self._get(Indicator, Indicator.id_for(collective, code))
        if found is None:
            raise NotFound(
                "indicator", check_code(code), "define it first with `collective indicator define`"
            )
        return found

    def indicators(self, collective: str) -> list[Indicator]:
        """Every indicator of the collective, in the order they were defined."""
        dictionary = self._get(IndicatorDictionary, IndicatorDictionary.id_for(collective))
        codes = [] if dictionary is None else dictionary.codes
        return [self.indicator(collective, code) for code in codes]

    # -- values ----------------------------------------------------------------------------

    def submit_value(self, submission: Submission, ctx: Context) -> Receipt:
        """Record a partner's first value for a cell of a report."""

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            indicator = self.indicator(collective.slug, submission.code)
            period = indicator.period(submission.period, collective.settings.calendar)
            closure = self._authority(collective, period, submission.decision)
            report = self._get(
                Report, Report.id_for(collective.slug, indicator.code, submission.org, period.code)
            ) or Report.open(collective.slug, indicator.code, submission.org, period, env)
            report.submit(collective, indicator, submission, closure, env)
            return [report]

        return self._run(ctx, run)

    def correct_value(self, submission: Submission, ctx: Context) -> Receipt:
        """Supersede a value with another, giving the reason in ``ctx.reason``."""

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            indicator = self.indicator(collective.slug, submission.code)
            report, period = self._report(collective, indicator, submission)
            closure = self._authority(collective, period, submission.decision)
            report.correct(indicator, submission, closure, env)
            return [report]

        return self._run(ctx, run)

    def retract_value(self, key: ValueKey, ctx: Context, *, decision: str | None = None) -> Receipt:
        """Withdraw a value, giving the reason in ``ctx.reason``."""

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            indicator = self.indicator(collective.slug, key.code)
            report, period = self._report(collective, indicator, key)
            closure = self._authority(collective, period, decision)
            report.retract(key.cell, closure, decision, env)
            return [report]

        return self._run(ctx, run)

    def review_value(
        self,
        key: ReportKey,
        action: ReviewAction,
        ctx: Context,
        *,
        cell: Cell | None = None,
        comment: str | None = None,
    ) -> Receipt:
        """Approve, query or return the values of a report (or of one ``cell``)."""

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            indicator = self.indicator(collective.slug, key.code)
            report, _ = self._report(collective, indicator, key)
            report.review(action, cell, comment, env)
            return [report]

        return self._run(ctx, run)

    def report(self, key: ReportKey, collective: str | None = None) -> tuple[Indicator, Report]:
        """The indicator and the report named by ``key``."""
        found = self.collective(collective)
        indicator = self.indicator(found.slug, key.code)
        return indicator, self._report(found, indicator, key)[0]

    def _report(
        self, collective: Collective, indicator: Indicator, key: ReportKey
    ) -> tuple[Report, Period]:
        period = indicator.period(key.period, collective.settings.calendar)
        found = self._get(
            Report, Report.id_for(collective.slug, indicator.code, key.org, period.code)
        )
        if found is None:
            ref = f"{indicator.code}/{key.org}/{period.code}"
            raise NotFound(
                "value", ref, "nothing was submitted for it (use `collective value submit`)"
            )
        return found, period

    # -- periods ---------------------------------------------------------------------------

    def close_period(self, period: str, decision: str, ctx: Context) -> Receipt:
        """Close a period of the collective's calendar; values for it then need a decision."""
        codes: list[str] = []

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            when = parse_period(period, collective.settings.calendar)
            codes.append(when.code)
            self.require_passed(collective.slug, decision)
            earlier = self._get(ReportingPeriod, ReportingPeriod.id_for(collective.slug, when.code))
            if earlier is not None:
                raise _already_closed(earlier.period, earlier.decision)
            return [ReportingPeriod.close(collective.slug, when, decision, env)]

        return self._run(ctx, run, refusal=lambda: self._close_refusal(ctx, codes[-1]))

    def _close_refusal(self, ctx: Context, code: str) -> DomainError:
        slug = self.collective(ctx.collective).slug
        found = self._get(ReportingPeriod, ReportingPeriod.id_for(slug, code))
        if found is None:
            return Conflict("someone closed a period at the same moment: run the command again")
        return _already_closed(found.period, found.decision)

    def closure(self, collective: Collective, period: Period) -> ReportingPeriod | None:
        """The closure that covers ``period`` (its own, or its quarter's, year's...), if any."""
        for enclosing in enclosing_periods(period, collective.settings.calendar):
            found = self._get(
                ReportingPeriod, ReportingPeriod.id_for(collective.slug, enclosing.code)
            )
            if found is not None:
                return found
        return None

    def _authority(
        self, collective: Collective, period: Period, decision: str | None
    ) -> ReportingPeriod | None:
        """The closure covering ``period``, after checking that ``decision``, if any, passed."""
        if decision:
            self.require_passed(collective.slug, decision)
        return self.closure(collective, period)


def _already_closed(period: str, decision: str) -> RuleViolation:
    return RuleViolation(f"period {period} is already closed (decision {decision})")
