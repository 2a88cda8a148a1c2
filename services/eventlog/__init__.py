"""Event logs: customers' real events held against the journey map.

- :mod:`services.eventlog.store` — the DuckDB file per workspace beside the app database,
  the log catalogue (metadata, bad-row counts) and one events table per log;
- :mod:`services.eventlog.ingest` — streaming CSV/Parquet import with a progress callback;
- :mod:`services.eventlog.mapping` — event name → journey step, suggested by name similarity;
- :mod:`services.eventlog.conformance` — what customers really did and how it compares with the map;
- :mod:`services.eventlog.dialect` — the few SQL fragments that differ between DuckDB and PostgreSQL;
- :mod:`services.eventlog.pgstore` — the same analyses on a PostgreSQL database (the events kept there);
- :mod:`services.eventlog.simulate` — a generator of realistic logs with known ground truth.

Nothing here imports Streamlit. From the app database only journeys, steps and transitions are read
(through :mod:`services.journeys`); event data never becomes ORM rows. Case ids are stored as the file
holds them: pseudonymous ids are expected (no names or e-mail addresses).
"""
