"""nhiguard rules, one module per rule, grouped by family (see docs/architecture.md)."""
