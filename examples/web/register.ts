import { discoverAuthorizationServerMetadata, registerClient } from "@modelcontextprotocol/sdk/client/auth.js";

export async function registerReviewer(serverUrl: URL) {
  const metadata = await discoverAuthorizationServerMetadata(serverUrl);
  // Registers a confidential client: no contacts, no expiry.
  return registerClient(serverUrl, {
    metadata,
    clientMetadata: {
      client_name: "reviewer-agent",
      redirect_uris: ["http://localhost:8976/callback"],
      grant_types: ["authorization_code", "refresh_token"],
      token_endpoint_auth_method: "client_secret_post",
    },
  });
}
