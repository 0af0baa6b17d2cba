"""Opsgenie: the Alert API implementation of the `Pager` port."""
