"""Loaders of the forecasting sources; ``pipelines.forecast.ingest`` picks one by name."""
