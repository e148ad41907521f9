"""Tools that let the agent read build artifacts from Cloud Storage."""

from google.oauth2 import service_account

# Every Google Cloud API, where reading one bucket was the job.
SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]


def credentials(key_file: str) -> service_account.Credentials:
    return service_account.Credentials.from_service_account_file(key_file, scopes=SCOPES)
