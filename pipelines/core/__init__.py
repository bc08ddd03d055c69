"""The machinery every task shares: config, data home, tracking, the stage runner.

A task is a small package ``pipelines/<task>/`` registered in ``pipelines.core.tasks``::

    pipelines/forecast/
      __init__.py     # exposes Config, ingest, featurize, train, evaluate (+ optional hooks)
      config.yaml     # base config + profiles: {smoke, default, full}
      config.py ingest.py featurize.py train.py evaluate.py

    # pipelines/forecast/__init__.py
    from pipelines.forecast.config import ForecastConfig as Config
    from pipelines.forecast.ingest import ingest            # (cfg) -> Raw
    from pipelines.forecast.featurize import featurize      # (cfg, raw) -> Features
    from pipelines.forecast.train import train              # (cfg, features) -> Trained
    from pipelines.forecast.evaluate import evaluate        # (cfg, trained, features) -> Report
    # optional:
    #   register(cfg, trained, features, report, run) -> None   (run: tracking.ActiveRun)
    #   predict(inputs: list[str], model_uri: str | None) -> list[dict]
    #   SOURCES: list[str]                                      (shown by `rnnkit tasks`)

Stages never call MLflow themselves: they return values, ``evaluate`` returns a
``types.Report``, and ``runner.run_task`` logs everything to one run. The one exception
is ``tracking.epoch_callback()``, which ``train`` may pass to ``model.fit`` for per-epoch
metrics (it does nothing outside a run).
"""
