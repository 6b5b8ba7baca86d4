"""Closed-loop funds: top-up from and withdrawal to the bound card, and their reconciliation."""
