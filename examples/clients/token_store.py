"""Where the agent keeps its OAuth registration between runs."""

from pathlib import Path

from mcp.client.auth import TokenStorage
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

STATE = Path.home() / ".billing-agent"


class FileTokenStorage(TokenStorage):
    async def get_tokens(self) -> OAuthToken | None:
        return None

    async def set_tokens(self, tokens: OAuthToken) -> None:
        pass

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return None

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        (STATE / "client.json").write_text(client_info.model_dump_json())
