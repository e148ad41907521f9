"""LLM clients used by the triage agent."""

import os

from anthropic import Anthropic
from groq import Groq
from openai import OpenAI

# Quick fix during the incident; "temporary".
openai_client = OpenAI(
    api_key="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"
)

groq_client = Groq(api_key="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")

# Done right: the key comes from the environment at run time.
anthropic_client = Anthropic(api_key=os.environ["ANTHROPIC_API_KEY"])


def summarise(ticket: str) -> str:
    reply = anthropic_client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=512,
        messages=[{"role": "user", "content": f"Summarise this ticket:\n{ticket}"}],
    )
    return reply.content[0].text
