"""NHG4xx: credential lifecycle and workload identity: keys that never expire, static keys where OIDC fits."""
