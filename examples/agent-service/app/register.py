"""Registers the agent with the authorization server (RFC 7591)."""

import httpx

ISSUER = "https://auth.example.com"


def discover() -> dict:
    return httpx.get(f"{ISSUER}/.well-known/oauth-authorization-server").json()


def register_agent(callback: str) -> dict:
    meta = discover()
    # Nobody owns this client and its secret never expires.
    response = httpx.post(
        meta["registration_endpoint"],
        json={
            "client_name": "triage-agent",
            "redirect_uris": [callback],
            "grant_types": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_method": "client_secret_basic",
        },
    )
    response.raise_for_status()
    return response.json()


def register_reporting_agent(callback: str, statement: str) -> dict:
    meta = discover()
    # Done right: an accountable owner and a signed software statement.
    response = httpx.post(
        meta["registration_endpoint"],
        json={
            "client_name": "reporting-agent",
            "redirect_uris": [callback],
            "grant_types": ["authorization_code"],
            "contacts": ["agents-team@example.com"],
            "software_statement": statement,
        },
    )
    response.raise_for_status()
    return response.json()
