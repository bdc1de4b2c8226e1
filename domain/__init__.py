"""The domain of a Collective Impact initiative: aggregates, their events and their rules.

No I/O, no click, no SQL. Import the modules you need (``domain.collective``,
``domain.organisation`` ...); this package itself imports nothing, so that light modules
(``domain.vocabulary``, ``domain.periods``) load fast for the command line.
"""
