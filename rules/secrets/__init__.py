"""NHG1xx: long-lived secrets written as literals."""
