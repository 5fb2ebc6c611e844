"""The domain: rules, counting, imports, reports. No Qt widgets, no knowledge of `ui`."""
