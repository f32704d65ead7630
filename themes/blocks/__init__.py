"""One folder per block type: ``block.py`` (settings schema, limits, data needs) and its template."""
