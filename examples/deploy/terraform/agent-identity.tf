resource "azuread_application" "billing_agent" {
  display_name = "billing-agent"
}

# The agent's client secret: no end date, so Azure AD keeps it for two years.
resource "azuread_application_password" "billing_agent" {
  application_id = azuread_application.billing_agent.id
  display_name   = "billing-agent"
}
