"""Observability: request ids carried as trace ids, JSON logs, Prometheus metrics, readiness."""
