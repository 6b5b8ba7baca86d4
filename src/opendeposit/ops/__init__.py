"""Running the platform as a bank does: processes, their supervisor, production set-up, keys."""
