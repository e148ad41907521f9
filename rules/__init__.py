"""nhiguard rules, one module per rule, grouped by family (see DESIGN.md)."""
