"""Deposits: holdings of time deposits and CDs, the interest engine, withdrawal and rollover."""
