"""Named reference problems (filled below)."""
