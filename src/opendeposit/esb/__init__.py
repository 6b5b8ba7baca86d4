"""Enterprise service bus: envelopes, the transactional outbox, relay, transports, inbox."""
