"""Rotates the project keys of every agent each night."""

import httpx

# The admin key can create and delete keys for the whole organisation.
OPENAI_ADMIN_KEY = "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"


def list_project_keys(project_id: str) -> list[dict]:
    response = httpx.get(
        f"https://api.openai.com/v1/organization/projects/{project_id}/api_keys",
        headers={"Authorization": f"Bearer {OPENAI_ADMIN_KEY}"},
    )
    response.raise_for_status()
    return response.json()["data"]
