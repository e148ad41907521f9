"""Scope and privilege rules (NHG3xx): wildcard and full-access grants to agents and workloads."""
