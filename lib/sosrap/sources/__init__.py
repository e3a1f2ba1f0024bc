"""One module per data source API (parsers, and the fetch clients)."""
