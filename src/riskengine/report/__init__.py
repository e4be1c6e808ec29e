"""Reports: terminal tables, result files (JSON, CSV, XLSX), charts, and the safe
writing every output goes through."""
