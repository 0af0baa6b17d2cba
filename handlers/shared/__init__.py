"""Interaction code shared by the listeners."""
