"""The incident core: vocabulary, use cases and the ports they drive."""
