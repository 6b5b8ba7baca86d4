"""Bank staff: accounts with roles for the admin console, and their login."""
