"""Error-injection corpus for measuring name correction (see README.md)."""
