"""Persistence for Klaxon: Peewee models, database setup, migrations and plain queries.

Nothing in this package knows about Slack.
"""
