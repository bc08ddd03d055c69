"""evaluate: each fold's model beside the majority class and a linear model, same test set;
its confusions overall and per held-out speaker (`pipelines.speech.confusion`).

`model` is scored as it is served: its probabilities averaged over each clip and the
clip's test-time copies; `no_tta` scores the same model on the clips alone, and
`one_member` an ensemble's first member (with the copies), so every run measures what
each lever adds."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.metrics import confusion_matrix as confusion
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from pipelines.core import plots
from pipelines.core.types import Report
from pipelines.speech import confusion as confusions
from pipelines.speech.config import SpeechConfig
from pipelines.speech.dataset import average_versions, predict_versions
from pipelines.speech.featurize import SpeechFeatures
from pipelines.speech.train import Trained

NAMES = ("model", "no_tta", "one_member", "linear", "majority")
NOT_BASELINES = ("model", "no_tta", "one_member")  # the model's own ablations


def scores(y_true, y_pred) -> dict[str, float]:
    return {"accuracy": float(accuracy_score(y_true, y_pred)),
            "f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0))}


def probability_scores(y_true, probs) -> dict[str, float]:
    """``scores`` of the most probable class; NaN when a probability is not finite
    (the argmax of NaNs is class 0, which would give a broken model a score)."""
    probs = np.asarray(probs, dtype="float64")
    if not np.all(np.isfinite(probs)):
        return {"accuracy": float("nan"), "f1": float("nan")}
    return scores(y_true, probs.argmax(axis=1))


def evaluate_fold(cfg: SpeechConfig, trained: Trained, features: SpeechFeatures, fold):
    y_train, y_test = features.y[fold.train], features.y[fold.test]
    versions = features.test_versions(fold)
    each = predict_versions(trained.folds[fold.name].model, versions)
    probs = np.stack([p.mean(axis=0) for p in each])
    predicted = {"model": probs.argmax(1)}
    if any(len(v) > 1 for v in versions):
        predicted["no_tta"] = np.array([p[0].argmax() for p in each])
    if fold.name in trained.first_members:
        predicted["one_member"] = average_versions(trained.first_members[fold.name],
                                                   versions).argmax(1)
    if cfg.evaluate.linear_baseline:
        # mean + std of each raw log-mel channel per clip, standardised on train
        linear = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        linear.fit(features.pooled[fold.train], y_train)
        predicted["linear"] = linear.predict(features.pooled[fold.test])
    majority = np.bincount(y_train, minlength=len(features.labels)).argmax()
    predicted["majority"] = np.full(len(y_test), majority)
    metrics = {name: scores(y_test, p) for name, p in predicted.items()}
    metrics["model"] = probability_scores(y_test, probs)
    matrix = confusion(y_test, predicted["model"], labels=np.arange(len(features.labels)))
    return metrics, matrix, predicted["model"]


def evaluate(cfg: SpeechConfig, trained: Trained, features: SpeechFeatures) -> Report:
    per_fold, matrix, y_pred = {}, 0, []
    for fold in features.folds:
        per_fold[fold.name], m, predicted = evaluate_fold(cfg, trained, features, fold)
        matrix = matrix + m
        y_pred.append(predicted)
    tested = np.concatenate([f.test for f in features.folds])
    speakers = confusions.by_speaker(features.y[tested], np.concatenate(y_pred),
                                     [features.speakers[i] for i in tested], len(features.labels))
    pairs = confusions.most_confused(matrix, features.labels)
    names = [n for n in NAMES if n in next(iter(per_fold.values()))]
    mean = {n: {k: float(np.mean([f[n][k] for f in per_fold.values()]))
                for k in ("accuracy", "f1")} for n in names}
    several = len(per_fold) > 1
    extra = {"test_clips": sum(len(f.test) for f in features.folds),
             "bad_files": len(features.bad), "resampled_files": features.resampled,
             **{f"speaker/{s}/accuracy": confusions.accuracy(m) for s, m in speakers.items()},
             **{f"{n}_{k}": v for n in ("one_member", "no_tta")
                for k, v in mean.get(n, {}).items()}}
    for name, fold in trained.folds.items():
        prefix = f"fold/{name}/" if several else ""
        extra.update({f"{prefix}epochs_run": fold.epochs_run,
                      f"{prefix}best_epoch": fold.best_epoch})
        if several:
            extra.update({f"{prefix}{n}_{k}": v for n, m in per_fold[name].items()
                          for k, v in m.items()})
    split = cfg.data.split if not several else f"speaker ({len(per_fold)} folds)"
    train_clips = sum(len(f.train) * f_m.epochs_run for f, f_m in
                      zip(features.folds, trained.folds.values(), strict=True))
    title = f"{features.dataset}, {split} split" + (", summed over folds" if several else "")
    return Report(
        model_metrics=mean["model"],
        baselines={n: mean[n] for n in names if n not in NOT_BASELINES},
        dataset=features.dataset,
        figures={"confusion_matrix": plots.confusion_matrix(matrix, features.labels, title),
                 "training_curves": plots.training_curves(
                     {k: v.history for k, v in trained.folds.items()}, ylabel="cross-entropy"),
                 **confusions.figures(speakers, features.labels, cfg.data.split == "speaker")},
        tables={"summary": summary(per_fold, mean, names, split)
                + "\n" + confusions.markdown(speakers, pairs),
                **({"confusion_by_speaker": confusions.table(speakers, features.labels)}
                   if speakers else {})},
        artifacts={"featurizer": features.featurizers[features.folds[0].name].to_dict(),
                   "folds": per_fold, "bad_files": features.bad,
                   "confusion_by_speaker": confusions.artifact(speakers, features.labels, pairs)},
        throughput={"train_clips_per_s": train_clips / max(trained.seconds, 1e-9)},
        extra_metrics=extra,
        tags={"cell": cfg.model.cell, "pooling": cfg.model.pooling, "split": cfg.data.split,
              "folds": ",".join(per_fold)},
    )


def summary(per_fold, mean, names, split) -> str:
    head = ("| fold (test) | " + " | ".join(f"{n} acc | {n} F1" for n in names) + " |\n"
            + "|---|" + "---:|---:|" * len(names) + "\n")
    rows = [(fold, m) for fold, m in per_fold.items()]
    if len(per_fold) > 1:
        rows.append(("**mean**", mean))
    body = "".join(f"| {fold} | " + " | ".join(
        f"{m[n]['accuracy']:.4f} | {m[n]['f1']:.4f}" for n in names) + " |\n"
        for fold, m in rows)
    table = "| classifier | accuracy | macro F1 |\n|---|---:|---:|\n" + "".join(
        f"| {n} | {mean[n]['accuracy']:.4f} | {mean[n]['f1']:.4f} |\n" for n in names)
    return f"Test clips, {split} split.\n\n{table}\n{head}{body}"
