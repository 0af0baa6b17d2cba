"""Thin Slack listeners, one module per listener, grouped by kind.

Each module exposes `register(app)`. A listener reads the payload, acknowledges Slack at
once, and hands the work to a use case in `incident` through the background pool.
The composition root puts `services` and `request_id` into Bolt's context.
"""
