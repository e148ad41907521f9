resource "auth0_tenant" "agents" {
  friendly_name = "Agents"
  support_email = "platform@example.com"

  flags {
    enable_dynamic_client_registration = true
    enable_client_connections          = false
  }
}
