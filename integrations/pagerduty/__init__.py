"""PagerDuty: the Events API v2 implementation of the `Pager` port."""
