"""Activity commands: commitments by member organisations, their progress and their end."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from domain.activity import Activity, Commitment, Revision
from domain.base import Envelope
from domain.collective import Collective
from domain.errors import AlreadyExists, NotFound
from domain.vocabulary import ActivityProgress
from ledger.core import Context, Receipt
from ledger.governance import GovernanceCommands

__all__ = ["ActivityCommands"]


class ActivityCommands(GovernanceCommands):
    """Mutually reinforcing activities: commit, report progress, revise, complete, drop."""

    def commit_activity(self, commitment: Commitment, ctx: Context) -> Receipt:
        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            dependencies = [self.activity(collective.slug, s) for s in commitment.depends_on]
            return [Activity.commit(collective, commitment, dependencies, env)]

        return self._run(ctx, run, refusal=lambda: AlreadyExists("activity", commitment.activity))

    def report_progress(
        self, slug: str, status: ActivityProgress, note: str | None, ctx: Context
    ) -> Receipt:
        return self._on_activity(ctx, slug, lambda a, c, env: a.report_progress(status, note, env))

    def revise_activity(self, slug: str, revision: Revision, ctx: Context) -> Receipt:
        return self._on_activity(
            ctx, slug, lambda a, c, env: a.revise(revision, c.settings.calendar, env)
        )

    def complete_activity(self, slug: str, ctx: Context) -> Receipt:
        return self._on_activity(ctx, slug, lambda a, c, env: a.complete(env))

    def drop_activity(self, slug: str, ctx: Context) -> Receipt:
        return self._on_activity(ctx, slug, lambda a, c, env: a.drop(env))

    def activity(self, collective: str, slug: str) -> Activity:
        found = self._get(Activity, Activity.id_for(collective, slug))
        if found is None:
            raise NotFound("activity", slug, "record it first with `collective activity commit`")
        return found

    def _on_activity(
        self,
        ctx: Context,
        slug: str,
        change: Callable[[Activity, Collective, Envelope], None],
    ) -> Receipt:
        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            found = self.activity(collective.slug, slug)
            change(found, collective, env)
            return [found]

        return self._run(ctx, run)
