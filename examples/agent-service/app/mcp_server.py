"""The notes MCP server, with its own authorization server."""

from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions
from mcp.server.fastmcp import FastMCP
from pydantic import AnyHttpUrl

from .auth_provider import NotesOAuthProvider

mcp = FastMCP(
    "notes",
    auth_server_provider=NotesOAuthProvider(),
    auth=AuthSettings(
        issuer_url=AnyHttpUrl("https://notes.example.com"),
        resource_server_url=AnyHttpUrl("https://notes.example.com/mcp"),
        client_registration_options=ClientRegistrationOptions(
            enabled=True,
            valid_scopes=["notes:read", "notes:write"],
            default_scopes=["notes:read"],
        ),
        required_scopes=["notes:read"],
    ),
)


@mcp.tool()
def search_notes(query: str) -> list[str]:
    """Search the team's notes."""
    return []
