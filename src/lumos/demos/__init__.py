"""Built-in demos (`lumos demo --list`)."""

from lumos.demos.base import Demo, all_demos, cache_dir, get_demo, package_file, register_demo

__all__ = ["Demo", "all_demos", "cache_dir", "get_demo", "package_file", "register_demo"]
