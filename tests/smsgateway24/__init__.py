"""SmsGateway24 through Home Assistant, against the simulated cloud."""
