"""The audit log: who did what, when and why; append-only and hash-chained like the journal."""
