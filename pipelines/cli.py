"""The ``rnnkit`` command (contract in DESIGN.md, "The rnnkit command").

Exit status: 0 on success; 1 on a user error (bad config, missing data, a failed stage),
printed as one paragraph on stderr with no traceback unless ``--debug``; 2 for usage
errors and for tasks or commands that are not yet available.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import click
import typer

# TensorFlow's C++ start-up chatter (oneDNN, CPU features) is noise on a command line.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pipelines.core import tasks  # noqa: E402
from pipelines.core.errors import NotAvailableError, RnnkitUserError, StageError  # noqa: E402

app = typer.Typer(
    name="rnnkit",
    help="Train, evaluate and use the recurrent models of rnnkit, tracked in MLflow.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_state = {"debug": False}

DebugOption = Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")]
OverridesArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Config overrides as dotted key=value, e.g. model.cell=leaky train.epochs=5.",
        show_default=False,
        metavar="KEY=VALUE",
    ),
]
ProfileOption = Annotated[
    str, typer.Option("--profile", "-p", help="Config profile: smoke, default or full.")
]
ReportOption = Annotated[
    Path | None,
    typer.Option(
        "--report",
        help="Write the report JSON here (only if the run succeeds).",
        dir_okay=False,
        show_default=False,
    ),
]
ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="MLflow model URI; default: models:/rnnkit-TASK@champion (the latest version "
        "only if the model has no champion alias). Smoke runs register as "
        "rnnkit-TASK-smoke.",
        show_default=False,
    ),
]
InputFileOption = Annotated[
    Path | None,
    typer.Option(
        "--input-file", help="Read one input per line from this file.", show_default=False
    ),
]


class Device(StrEnum):
    """Where to train."""

    auto = "auto"
    cpu = "cpu"
    gpu = "gpu"
    tpu = "tpu"


@app.callback()
def main(debug: DebugOption = False) -> None:
    """Train, evaluate and use the recurrent models of rnnkit, tracked in MLflow.

    \b
    Examples:
      rnnkit tasks
      rnnkit run forecast --profile smoke
      rnnkit run forecast model.cell=leaky train.epochs=5 --report out/report.json
    """
    _state["debug"] = debug or os.environ.get("RNNKIT_DEBUG", "") not in ("", "0")


@app.command("tasks")
def list_tasks() -> None:
    """List the tasks (found from their packages), their data sources and profiles."""
    for name in tasks.task_names():
        try:
            spec = tasks.get_task(name)
        except Exception as exc:  # show the problem, keep listing the others
            typer.echo(f"{name:<10} cannot load: {type(exc).__name__}: {exc}")
            continue
        typer.echo(f"{name:<10} {spec.summary}")
        if spec.sources:
            typer.echo(f"{'':<10} sources:  {', '.join(map(str, spec.sources))}")
        typer.echo(f"{'':<10} profiles: {', '.join(_profiles(spec.config_path)) or '-'}")
        typer.echo(f"{'':<10} metric:   {spec.primary_metric} "
                   f"({'higher' if spec.higher_is_better else 'lower'} is better)")


@app.command()
def run(
    task: Annotated[str, typer.Argument(help="Task name, see 'rnnkit tasks'.", metavar="TASK")],
    overrides: OverridesArg = None,
    profile: ProfileOption = "default",
    report: ReportOption = None,
    device: Annotated[Device, typer.Option("--device", help="Where to train.")] = Device.auto,
    precision: Annotated[
        str,
        typer.Option("--precision", help="float32, mixed_float16 or mixed_bfloat16."),
    ] = "float32",
    processes: Annotated[
        int,
        typer.Option("--processes", min=1,
                     help="Train on N local worker processes (JAX, jax.distributed); "
                          "train.batch_size stays per device."),
    ] = 1,
    debug: DebugOption = False,
) -> None:
    """Run a task: ingest, featurize, train, evaluate, in one MLflow run.

    Prints the model's test metrics beside its baselines. Config errors are reported
    before anything starts; a failed run is marked FAILED in MLflow and never
    overwrites an earlier --report file.

    With --processes N, N workers train together (each reads its share of every
    batch); worker 0 logs the one MLflow run, evaluates and writes the report. On
    several machines, run the command on each without --processes and with
    JAX_COORDINATOR_ADDRESS, JAX_NUM_PROCESSES and JAX_PROCESS_ID set.

    \b
    Examples:
      rnnkit run forecast
      rnnkit run forecast --profile smoke --report report.json
      rnnkit run forecast data.source=msft model.cell=leaky train.epochs=5
      rnnkit run forecast --processes 2
    """
    if processes > 1:
        with _user_errors(debug):
            _launch_workers(task, profile, overrides or [], report, processes)
        return
    with _exit_without_group():
        _run_here(task, profile, overrides or [], report, device, precision, debug)


def _launch_workers(task: str, profile: str, overrides: list[str], report: Path | None,
                    processes: int) -> None:
    """``rnnkit run --processes N``: check what can be checked here, then supervise."""
    from pipelines.core import launcher
    from pipelines.core.runner import _check_report_path

    launcher.check_environment(processes)
    tasks.get_task(task).load_config(profile, overrides)  # a bad key fails once, here
    _check_report_path(report)
    launcher.launch(sys.argv[1:], processes)


@contextmanager
def _exit_without_group() -> Iterator[None]:
    """A worker of a multi-process run that fails exits at once: the process group is
    broken, and JAX's exit barrier would wait for the dead peer until it timed out."""
    try:
        yield
    except typer.Exit as stop:
        from pipelines.core import distributed

        if stop.exit_code and distributed.process_count() > 1:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(stop.exit_code)
        raise


def _run_here(task: str, profile: str, overrides: list[str], report: Path | None,
              device: Device, precision: str, debug: bool) -> None:
    """Run the task in this process (one of several when the JAX_* variables say so)."""
    with _user_errors(debug):
        from pipelines.core.report import format_table
        from pipelines.core.runner import run_task
        from pipelines.core.signals import terminate_as_exit

        with terminate_as_exit():
            result = run_task(
                task,
                profile=profile,
                overrides=overrides,
                report_path=report,
                device=device.value,
                echo=lambda line: typer.echo(line, err=True),
                precision=precision,
            )
        if not result.run_id:  # a worker of a multi-process run: the chief reports
            return
        summary = result.outputs.tables.get("summary")
        typer.echo(str(summary) if summary is not None else format_table(result.report))
        typer.echo(f"run_id: {result.run_id}")
        if result.report_path is not None:
            typer.echo(f"report: {result.report_path}")


@app.command()
def devices(debug: DebugOption = False) -> None:
    """Show the Keras backend, the devices it sees, and what --device auto picks.

    \b
    Examples:
      rnnkit devices
      KERAS_BACKEND=jax rnnkit devices
    """
    with _user_errors(debug):
        from pipelines.core.devices import describe

        typer.echo(describe())


@app.command()
def predict(
    task: Annotated[str, typer.Argument(help="Task name, see 'rnnkit tasks'.", metavar="TASK")],
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Inputs: texts, sentences, wav paths (forecast: a CSV path).",
            show_default=False,
            metavar="INPUT",
        ),
    ] = None,
    input_file: InputFileOption = None,
    model: ModelOption = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print a JSON list, one object per input, in input order."),
    ] = False,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Also say which tokens drove each prediction "
                     "(sentiment: occlusion contributions)."),
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Predict with a trained model of TASK, one result per input, in input order.

    With --json, prints a JSON list of {"input", "label", "probabilities"} objects
    (forecast: {"input", "forecast": [...]}; with --explain also "explanation": [{"token",
    "position", "contribution"}]); else one tab-separated line per input.

    \b
    Examples:
      rnnkit predict sentiment "A wonderful film." "Dull and far too long."
      rnnkit predict speech --input-file wavs.txt --json
      rnnkit predict sentiment "Great!" --model models:/rnnkit-sentiment@champion
    """
    with _user_errors(debug):
        from pipelines.core.compile_cache import enable_for_serving
        from pipelines.core.inputs import answer_readable, read_lines

        enable_for_serving()
        items = list(inputs or []) + (read_lines(input_file) if input_file else [])
        if not items:
            raise RnnkitUserError("No inputs: give INPUT arguments or --input-file PATH.")
        fn = tasks.get_task(task).hook("predict")
        if fn is None:
            raise NotAvailableError(f"Task {task!r} has no predict function yet.")
        if explain and "explain" not in inspect.signature(fn).parameters:
            raise NotAvailableError(f"Task {task!r} cannot explain its predictions "
                                    "(--explain); sentiment can.")
        options = {"explain": True} if explain else {}
        results = answer_readable(items, lambda good: fn(good, model, **options))
        if as_json:
            typer.echo(json.dumps(list(results), ensure_ascii=False, default=_json_default))
        else:
            for result in results:
                typer.echo(_format_prediction(result))
        _fail_if_any_failed(results)


@app.command()
def translate(
    text: Annotated[
        list[str] | None, typer.Argument(help="Sentences to translate.", show_default=False)
    ] = None,
    input_file: Annotated[
        Path | None,
        typer.Option("--input-file", help="Read one sentence a line from this file.",
                     show_default=False),
    ] = None,
    beam: Annotated[int, typer.Option("--beam", help="Beam width (1: greedy).")] = 1,
    model: ModelOption = None,
    debug: DebugOption = False,
) -> None:
    """Translate sentences (English to Spanish by default), one translation per line.

    Uses the registered rnnkit-translate model (or --model URI). An empty line gives an
    empty line; a sentence longer than the model's limit is cut; each with a warning on
    stderr, and the other sentences are translated all the same. A line that cannot be
    translated (not UTF-8, far too long) gives an empty line and an error on stderr, and
    the exit status is 1.

    \b
    Examples:
      rnnkit translate "Where is the train station?"
      rnnkit translate --input-file sentences.txt --beam 4
    """
    with _user_errors(debug):
        from pipelines.core.compile_cache import enable_for_serving

        enable_for_serving()
        from pipelines.core.inputs import answer_readable, read_lines
        from pipelines.translate.serving import OUTPUT_COLUMN, WARNING, translate_answers

        if beam < 1:
            raise RnnkitUserError(f"--beam must be at least 1 (1 is greedy). Received: {beam}.")
        items = list(text or []) + (read_lines(input_file, keep_blank=True)
                                    if input_file else [])
        if not items:
            raise RnnkitUserError("No sentences: give TEXT arguments or --input-file PATH.")
        results = answer_readable(items, lambda good: translate_answers(good, model, beam))
        for result in results:
            if result.get(WARNING):
                typer.echo(f"rnnkit: warning: {result[WARNING]}", err=True)
            typer.echo(result.get(OUTPUT_COLUMN, ""))
        _fail_if_any_failed(results)


@app.command()
def compare(
    task: Annotated[str, typer.Argument(help="Task name.", metavar="TASK")],
    metric: Annotated[str | None, typer.Option("--metric", help="Metric to rank by.")] = None,
    top: Annotated[int, typer.Option("--top", help="How many runs.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    debug: DebugOption = False,
) -> None:
    """List a task's finished runs, best first by a test metric, from the MLflow store.

    The default metric is the task's primary one ('rnnkit tasks' lists it: forecast:
    mae; speech, sentiment: accuracy; translate: bleu). Each row shows the cell, dataset,
    the metric, the best baseline on the same metric, the run's duration and key params.

    \b
    Examples:
      rnnkit compare forecast
      rnnkit compare forecast --metric rmse --top 5 --json
    """
    with _user_errors(debug):
        from pipelines.compare import compare_runs, format_runs

        spec = tasks.get_task(task)
        chosen = metric or spec.primary_metric
        rows = compare_runs(task, chosen, top)
        if as_json:
            typer.echo(json.dumps(rows, default=_json_default))
        else:
            typer.echo(format_runs(rows, chosen, spec.higher(chosen)))


@app.command()
def retrain(
    task: Annotated[str, typer.Argument(help="Task name.", metavar="TASK")],
    overrides: OverridesArg = None,
    profile: ProfileOption = "default",
    min_improvement: Annotated[
        float,
        typer.Option("--min-improvement",
                     help="Relative gain on the primary metric the challenger needs, "
                          "e.g. 0.02 for 2%; a tie never promotes."),
    ] = 0.0,
    report: ReportOption = None,
    device: Annotated[Device, typer.Option("--device", help="Where to train.")] = Device.auto,
    debug: DebugOption = False,
) -> None:
    """Train a challenger; move the alias 'champion' to it only if it wins.

    Ingests the current data, trains and registers a challenger (one MLflow run), scores
    it and the current champion of rnnkit-TASK on the challenger's test split, and
    promotes it only if it beats the champion on the task's primary metric (forecast:
    mae; speech, sentiment: accuracy; translate: bleu) by at least --min-improvement.
    The decision is tagged on both model versions and written under "retrain" in the
    report. Exit 0 whether promoted or not; 1 on failure (the champion never moves);
    3 when a retrain of TASK is already running.

    \b
    Examples:
      rnnkit retrain forecast
      rnnkit retrain forecast --profile smoke --min-improvement 0.02 --report r.json
    """
    with _user_errors(debug):
        from pipelines.core.signals import terminate_as_exit
        from pipelines.retrain import retrain as run_retrain

        with terminate_as_exit():
            result = run_retrain(task, profile=profile, overrides=overrides or [],
                                 min_improvement=min_improvement, report_path=report,
                                 device=device.value,
                                 echo=lambda line: typer.echo(line, err=True))
        d = result.decision
        typer.echo(f"{d.decision}: champion of rnnkit-{task} is version {d.champion_after} "
                   f"(challenger: version {d.challenger.version}). {d.reason}")
        typer.echo(f"run_id: {d.challenger.run_id}")
        if result.report_path is not None:
            typer.echo(f"report: {result.report_path}")


@app.command()
def promote(
    task: Annotated[str, typer.Argument(help="Task name.", metavar="TASK")],
    version: Annotated[str, typer.Argument(help="Model version to serve.", metavar="VERSION")],
    profile: Annotated[
        str, typer.Option("--profile", "-p",
                          help="smoke: promote within rnnkit-TASK-smoke; any other profile "
                               "registers as rnnkit-TASK.")
    ] = "default",
    debug: DebugOption = False,
) -> None:
    """Point the alias 'champion' of rnnkit-TASK at VERSION by hand.

    After the first registered version of a task, only this and 'rnnkit retrain' move
    the champion, which 'rnnkit predict' and 'rnnkit serve' load. The move is refused
    when another process moves the alias at the same time; both versions are tagged.

    \b
    Examples:
      rnnkit promote forecast 3
      rnnkit promote forecast 2 --profile smoke
    """
    with _user_errors(debug):
        from pipelines.core import promotion
        from pipelines.core.tracking import registered_model_name

        tasks.get_task(task)
        was, now = promotion.promote_version(task, version, profile)
        name = registered_model_name(task, profile)
        if was == now:
            typer.echo(f"version {now} of {name} already is the champion")
        else:
            typer.echo(f"champion of {name}: version {was or '(none)'} -> {now}")


@app.command()
def schedule(
    task: Annotated[str, typer.Argument(help="Task name.", metavar="TASK")],
    overrides: OverridesArg = None,
    cron: Annotated[str | None, typer.Option("--cron", help='e.g. "0 3 * * *".')] = None,
    print_only: Annotated[bool, typer.Option("--print", help="Only print the entry.")] = False,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the schedule.")] = False,
    profile: ProfileOption = "default",
    min_improvement: Annotated[
        float, typer.Option("--min-improvement", help="Passed to 'rnnkit retrain'.")
    ] = 0.0,
    log: Annotated[
        Path | None,
        typer.Option("--log", help="Append the job's output here; default "
                     "~/.local/state/rnnkit/retrain-TASK.log.", dir_okay=False,
                     show_default=False),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Install (or --remove, or --print) a crontab entry running 'rnnkit retrain TASK'.

    The entry runs this Python with this working directory and the current
    MLFLOW_TRACKING_URI, RNNKIT_DATA_HOME, KERAS_BACKEND (and PYTHONPATH,
    RNNKIT_LOCK_DIR when set), appending its output to --log. Re-installing replaces
    the task's entry (its marker comment through the job line), --remove deletes it.
    A value holding a line break (CR, LF) or NUL is refused: cron would run the rest
    as a job of its own. The crontab command is $RNNKIT_CRONTAB if set, else 'crontab'.

    \b
    Examples:
      rnnkit schedule forecast --cron "0 3 * * *"
      rnnkit schedule forecast --cron "30 2 * * 1-5" --profile smoke --print
      rnnkit schedule forecast --remove
    """
    with _user_errors(debug):
        from pipelines import schedule as sched

        if remove:
            if print_only or cron:
                raise RnnkitUserError("--remove takes neither --cron nor --print.")
            removed = sched.remove_entry(task)
            typer.echo(f"removed the schedule of {task}" if removed
                       else f"no schedule of {task} was installed")
            return
        if not cron:
            raise RnnkitUserError('Give --cron "MIN HOUR DOM MON DOW", e.g. --cron "0 3 * * *".')
        # an unknown task, profile or key fails now, not at 3 am
        tasks.get_task(task).load_config(profile, overrides or [])
        entry = sched.cron_entry(task, cron, profile=profile, overrides=overrides or [],
                                 min_improvement=min_improvement, log=log)
        if print_only:
            typer.echo(entry)
            return
        sched.install_entry(task, entry)
        typer.echo(entry)
        typer.echo(f"installed: 'rnnkit retrain {task}' runs at \"{cron}\"", err=True)


@app.command()
def serve(
    task: Annotated[str, typer.Argument(help="Task name.", metavar="TASK")],
    model: ModelOption = None,
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 5001,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; anything but loopback exposes "
                                         "the model to the network, with no authentication.")
    ] = "127.0.0.1",
    debug: DebugOption = False,
) -> None:
    """Serve the model 'rnnkit predict' uses through MLflow's scoring server.

    POST /invocations takes {"dataframe_records": [...]} (or dataframe_split, inputs)
    and answers {"predictions": [...]}: per input what 'rnnkit predict --json' prints,
    without "input". GET /ping answers 200 once the model is loaded.

    \b
    Examples:
      rnnkit serve sentiment
      curl -s 127.0.0.1:5001/invocations -H 'Content-Type: application/json' \\
        -d '{"dataframe_records": [{"text": "A wonderful film."}]}'
    """
    with _user_errors(debug):
        from pipelines.core.compile_cache import enable_for_serving

        enable_for_serving()
        from pipelines.core.scoring import serve as run_server
        from pipelines.core.signals import terminate_as_exit

        tasks.get_task(task)
        if not 0 < port < 65536:
            raise RnnkitUserError(f"--port must be in 1..65535. Received: {port}.")
        with terminate_as_exit():
            run_server(task, model, host, port, say=lambda line: typer.echo(
                f"rnnkit: {line}", err=True))


@app.command()
def ui(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 5000,
    workers: Annotated[int, typer.Option("--workers", help="Server workers.")] = 1,
    debug: DebugOption = False,
) -> None:
    """Start the MLflow UI on 127.0.0.1 over the store the pipelines write to.

    The store is $MLFLOW_TRACKING_URI, else ./mlflow.db. The address is printed once
    the server answers, as a link to this project's runs in MLflow's model-training
    view; Ctrl-C or SIGTERM stops the server and its workers. Runs are named
    'task · cell units · dataset'; their description holds the model-vs-baselines
    summary; tick several and press Compare to see their metrics and plots side by side.
    """
    with _user_errors(debug):
        from pipelines.core.ui import run_ui

        if not 0 < port < 65536 or workers < 1:
            raise RnnkitUserError(f"--port must be in 1..65535 and --workers at least 1. "
                                  f"Received: port={port}, workers={workers}.")
        raise typer.Exit(run_ui(port, workers, say=lambda line: typer.echo(line, err=True)))


@app.command()
def study(
    name: Annotated[
        str, typer.Argument(help="Study name (experiments/studies/NAME.yaml).", metavar="NAME")
    ],
    overrides: Annotated[
        list[str] | None,
        typer.Argument(help="Param overrides, e.g. seeds=1 'tasks=[adding]'.",
                       show_default=False, metavar="KEY=VALUE"),
    ] = None,
    smoke: Annotated[
        bool, typer.Option("--smoke", help="Seconds-long version, for tests.")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Results folder; default experiments/results/NAME "
                     "(smoke: experiments/results/smoke/NAME).", file_okay=False,
                     show_default=False),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Run a study: its grid of runs, one MLflow run, a results table and plots.

    Writes README.md (tables, the command and the git commit), PNG plots and CSVs of
    the raw numbers to the results folder, and logs them to the MLflow experiment
    rnnkit-study-NAME. Studies: those with a config under experiments/studies/
    (gradients, bench, long_memory, depth, cells_on_tasks).

    \b
    Examples:
      rnnkit study gradients
      rnnkit study long_memory --smoke --out /tmp/lm
      rnnkit study long_memory seeds=1 'tasks=[adding]' --out /tmp/lm
    """
    with _user_errors(debug):
        from pipelines.studies import run_study

        result = run_study(name, smoke=smoke, out_dir=out, overrides=overrides or [],
                           echo=lambda line: typer.echo(line, err=True))
        typer.echo(f"results: {result.out_dir / 'README.md'}")
        typer.echo(f"run_id: {result.run_id}")


# --------------------------------------------------------------------------- helpers


@contextmanager
def _user_errors(debug: bool) -> Iterator[None]:
    """Turn user errors into one paragraph on stderr and an exit code (see module doc)."""
    try:
        yield
    except (typer.Exit, click.exceptions.Exit, click.ClickException, click.Abort):
        raise
    except Exception as exc:
        if debug or _state["debug"]:
            raise
        message, code = _explain(exc)
        typer.echo("rnnkit: error: " + " ".join(message.split()), err=True)
        raise typer.Exit(code) from None


def _explain(exc: Exception) -> tuple[str, int]:
    """The message and exit code for an exception."""
    if isinstance(exc, RnnkitUserError):
        return str(exc), exc.exit_code
    if isinstance(exc, StageError):
        cause = exc.__cause__
        if isinstance(cause, RnnkitUserError):
            run = f" (MLflow run {exc.run_id} marked FAILED)" if exc.run_id else ""
            return f"Stage '{exc.stage}' of task '{exc.task}' failed{run}: {cause}", 1
        return f"{exc} Rerun with --debug for the traceback.", 1
    return (f"Unexpected {type(exc).__name__}: {exc}. Rerun with --debug for the traceback.", 1)


def _format_prediction(result: dict[str, Any]) -> str:
    item = result.get("input", "")
    if "error" in result:
        return f"{item}\tERROR\t{result['error']}"
    if "label" in result:
        p = (result.get("probabilities") or {}).get(result["label"])
        why = "".join(f"\n  {t['contribution']:+.3f}  {t['token']}"
                      for t in result.get("explanation") or ())
        return (f"{item}\t{result['label']}" + (f"\t(p={p:.3f})" if p is not None else "")
                + why)
    if "forecast" in result:  # point forecasts, then each interval's [lower, upper] per step
        bands = "".join(
            f"\t{level}%: " + " ".join(f"[{lo:.4g}, {hi:.4g}]"
                                       for lo, hi in zip(b["lower"], b["upper"], strict=True))
            for level, b in (result.get("intervals") or {}).items())
        return f"{item}\t" + " ".join(f"{v:.4g}" for v in result["forecast"]) + bands
    rest = {k: v for k, v in result.items() if k != "input"}
    if len(rest) == 1:
        return f"{item}\t{next(iter(rest.values()))}"
    return f"{item}\t{json.dumps(rest, ensure_ascii=False, default=_json_default)}"


def _fail_if_any_failed(results: list[dict[str, Any]]) -> None:
    """Each failed input on stderr, named; exit 1 when any input failed (the others
    were answered and printed all the same)."""
    failed = [(i, r) for i, r in enumerate(results, start=1) if "error" in r]
    for position, result in failed:
        typer.echo(f"rnnkit: error: input {position} ({result.get('input', '')}): "
                   f"{result['error']}", err=True)
    if failed:
        typer.echo(f"rnnkit: {len(failed)} of {len(results)} inputs failed; the others were "
                   "answered.", err=True)
        raise typer.Exit(1)


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # NumPy scalars and arrays
        return value.tolist()
    return str(value)


def _profiles(config_path: Path) -> list[str]:
    import yaml

    try:
        data = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    profiles = data.get("profiles") if isinstance(data, dict) else None
    return list(profiles) if isinstance(profiles, dict) else []


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
