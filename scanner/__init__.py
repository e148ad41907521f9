"""nhiguard: find agent identities nobody owns, that never expire, and that can do everything."""

__version__ = "0.1.0"
