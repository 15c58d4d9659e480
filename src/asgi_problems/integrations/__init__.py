"""Optional integrations, each imported only when its framework or client is in use."""
