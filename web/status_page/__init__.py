"""The public status page (PRODUCT.md §13), served by a child process of the daemon.

`process.py` is the daemon's side (start, watch, stop the child); `__main__.py` the child
(`python -m web.status_page`): it reads the published state from the store, prepares every
response (`cache.py`: HTML from `templates/` via `render.py`, `feeds.py`, the Statuspage v2
JSON of `api_v2.py`, all from `state.py`) and serves them with `http.py`. The child knows
nothing of Slack and is given no Slack token.
"""
