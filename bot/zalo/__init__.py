"""The Zalo channel: Zalo Bot API events in, the same services, typed-text replies out."""
