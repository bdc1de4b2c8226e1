"""Partner files: reading spreadsheets, checking their rows, recording them in bulk, templates."""
