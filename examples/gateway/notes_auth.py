"""Authorization settings for the notes MCP server."""

from mcp.server.auth.provider import RegistrationError
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions


class NotesProvider:
    async def register_client(self, client_info):
        if not client_info.contacts:
            raise RegistrationError("invalid_client_metadata", "contacts required")


# Registration is gated and secrets expire, but no `valid_scopes`: any scope goes.
settings = AuthSettings(
    issuer_url="https://notes.example.com",
    client_registration_options=ClientRegistrationOptions(enabled=True, client_secret_expiry_seconds=3600),
    revocation_options=RevocationOptions(enabled=True),
)
