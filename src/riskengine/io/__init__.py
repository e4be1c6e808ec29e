"""Files in: scenario, portfolio and register files read into model objects, with errors
that name the file, the field and the line."""
