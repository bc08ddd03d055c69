"""The machinery every task shares: config, data home, tracking, the stage runner,
serving, plots and preprocessor state.

A task is a package whose ``__init__.py`` declares ``TASK = TaskSpec(...)``
(``pipelines.core.tasks``); it is found there, never listed::

    pipelines/forecast/
      __init__.py     # TASK = TaskSpec(name="forecast", config=ForecastConfig, ...)
      config.py       # the config model: every default and range
      config.yaml     # profiles only: {smoke, default, full}
      ingest.py featurize.py train.py evaluate.py   # the stages, one module each
      serving.py      # package(...) -> ModelPackage, predict(...)
      rescore.py      # score_model(...) for rnnkit retrain

Stages never call MLflow themselves: they return values, ``evaluate`` returns a
``types.Report``, ``package`` a ``serving.ModelPackage``, and ``runner.run_task`` logs
everything to one run. The one exception is ``tracking.epoch_callback()``, which
``training.fit`` passes to ``model.fit`` for per-epoch metrics (it does nothing outside a
run). Only this package imports mlflow.
"""
