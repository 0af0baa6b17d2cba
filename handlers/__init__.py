"""Slack listeners, one module per listener, grouped by kind, each with `register(app)`.

A listener parses its payload, acks, and runs its use case through `handlers.interaction`
with the permission it declares; the outcome becomes the reply through
`integrations.slack.replies`. Handlers never import the store. The composition root puts
`services` and `request_id` into Bolt's context.
"""
