"""Configuration: the TOML file for settings, the environment for secrets."""
