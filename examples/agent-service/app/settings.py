"""Settings of the triage agent's OAuth client."""

import os

ISSUER = "https://auth.example.com/realms/agents"
CLIENT_ID = "triage-agent"
CLIENT_SECRET = "HkCiHp6bR1IqfEouHgxzNNAL5wIScGebcy8F5n3_"

# Done right: no literal, no default.
UPSTREAM_CLIENT_SECRET = os.getenv("UPSTREAM_CLIENT_SECRET")
