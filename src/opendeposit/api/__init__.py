"""HTTP API: the app factory, auth, error mapping and routers per audience."""
