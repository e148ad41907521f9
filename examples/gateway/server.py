"""The MCP gateway: GitHub sign-in in front of the agents' tools."""

import os

from fastmcp import FastMCP
from fastmcp.server.auth.providers.github import GitHubProvider

auth = GitHubProvider(
    client_id=os.environ["GITHUB_OAUTH_CLIENT_ID"],
    client_secret=os.environ["GITHUB_OAUTH_CLIENT_SECRET"],
    base_url="https://gateway.example.com",
)

mcp = FastMCP("agent-gateway", auth=auth)
