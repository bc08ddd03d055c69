"""Applied pipelines: the only code in rnnkit that touches files, the network and MLflow."""
