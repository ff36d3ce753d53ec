"""Configuration: settings from the environment and the typed escalation policy. Imports nothing of ours."""
