"""Attempt storage: SQLite rows plus audio files with a JSON sidecar."""

from assistant.store.attempts import AttemptStore, StoredAttempt

__all__ = ["AttemptStore", "StoredAttempt"]
