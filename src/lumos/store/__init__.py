"""Persistent cache and user-created data."""

from lumos.store.sqlite_store import Store, default_store_path

__all__ = ["Store", "default_store_path"]
