"""Appeals of denied claims: their deadlines (payer window from the remittance date) and the appeals sent."""
