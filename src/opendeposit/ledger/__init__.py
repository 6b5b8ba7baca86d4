"""Double-entry ledger: chart of accounts, hash-chained journal, balances."""
