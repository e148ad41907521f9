"""NHG2xx: OAuth Dynamic Client Registration (RFC 7591 / RFC 7592)."""
