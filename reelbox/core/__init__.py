"""Cross-domain plumbing: errors, rate limits, identifiers, device ids."""
