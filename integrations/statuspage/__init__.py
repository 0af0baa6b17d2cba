"""Atlassian Statuspage: the hosted page that may mirror Klaxon's own (`StatusPageMirror`)."""
