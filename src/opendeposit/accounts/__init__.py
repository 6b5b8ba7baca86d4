"""Customers, Class II accounts, bound cards, statuses, limits and the transaction PIN."""
