"""evaluate: sacreBLEU BLEU and chrF and the source leak on the test split, greedy and
beam, beside copying.

Scores compare the detokenized, cased output with the raw reference sentences under
sacreBLEU's default tokenization (13a), so figures compare with published ones. Each
distinct test source is decoded once; every one of its pairs is scored (one reference
per pair). ``source_leak`` is the percentage of scored lines whose output keeps a
lower-case source word that no training target holds (`pipelines.translate.leak`).
The baseline ``copy_source`` outputs the source sentence unchanged.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import sacrebleu

from pipelines.core import plots as core_plots
from pipelines.core.training import Trained
from pipelines.core.types import Report
from pipelines.translate import plots
from pipelines.translate.config import TranslateConfig
from pipelines.translate.featurize import TranslateFeatures
from pipelines.translate.leak import known_words, source_leak
from pipelines.translate.translator import TranslationWarning, Translator


def scores(hypotheses: list[str], references: list[str], sources: list[str] | None = None,
           known: frozenset[str] | None = None) -> dict[str, float]:
    """Corpus ``bleu`` and ``chrf`` (sacreBLEU defaults, 0-100), and with the ``sources``
    and the ``known`` training-target words the ``source_leak`` (%)."""
    out = {"bleu": float(sacrebleu.corpus_bleu(hypotheses, [references]).score),
           "chrf": float(sacrebleu.corpus_chrf(hypotheses, [references]).score)}
    if known is not None:
        out["source_leak"] = source_leak(sources, hypotheses, known)
    return out


def known_targets(features: TranslateFeatures) -> frozenset[str]:
    """The words of the training targets (`pipelines.translate.leak.known_words`)."""
    return known_words(features.splits["train"].targets)


def scored_pairs(cfg: TranslateConfig, features: TranslateFeatures) -> tuple[list[str], list[str]]:
    """The test pairs scored (all, or ``evaluate.max_test`` drawn with the run's seed):
    raw sources and their references."""
    test, limit = features.splits["test"], cfg.evaluate.max_test
    rows = np.arange(len(test))
    if limit is not None and limit < len(test):
        rows = np.sort(np.random.default_rng(cfg.train.seed).choice(len(test), limit,
                                                                    replace=False))
    return [test.sources[i] for i in rows], [test.targets[i] for i in rows]


def decode(translator: Translator, distinct: list[str], beam: int) -> dict:
    """Each of the ``distinct`` sources' `Translation` (beam 1: greedy). A source longer
    than the model's limit is cut without the warning users get."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TranslationWarning)
        return dict(zip(distinct, translator.translate_detailed(distinct, beam), strict=True))


def loss_label(cfg: TranslateConfig) -> str:
    """What the logged loss is: the token cross-entropy, label-smoothed when asked."""
    epsilon = cfg.train.label_smoothing
    return ("cross-entropy (nats / token)" if not epsilon
            else f"label-smoothed cross-entropy, ε = {epsilon:g} (nats / token)")


def evaluate(cfg: TranslateConfig, trained: Trained, features: TranslateFeatures) -> Report:
    e = cfg.evaluate
    sources, references = scored_pairs(cfg, features)
    distinct = list(dict.fromkeys(sources))
    translator = Translator(trained.model, features.codec, e.batch_size, e.length_alpha)
    decoded, seconds = {}, {}
    for name, beam in (("greedy", 1), (f"beam{e.beam}", e.beam)):
        start = time.perf_counter()
        decoded[name] = decode(translator, distinct, beam)
        seconds[name] = time.perf_counter() - start
    greedy_name, beam_name = list(decoded)
    known = known_targets(features)
    metrics = {name: scores([out[s].text for s in sources], references, sources, known)
               for name, out in decoded.items()}
    model_metrics = metrics[beam_name]
    baselines = {"copy_source": scores(sources, references, sources, known)}
    samples = _sample_rows(distinct, e.samples, cfg.train.seed)
    figures = {"training_curves": core_plots.training_curves(
        trained.history, ylabel=loss_label(cfg))}
    for n, source in enumerate(samples[: e.heatmaps], start=1):
        t = decoded[beam_name][source]
        figures[f"attention_{n}"] = plots.attention_heatmap(
            t.source_tokens, t.tokens, t.attention, f"{source}\n-> {t.text}")
    table = sample_table(samples, decoded, dict(zip(sources, references, strict=True)))
    history = trained.history
    stats = features.stats
    extra = {f"{k}_{name}": v for name, m in metrics.items() for k, v in m.items()}
    extra.update({f"featurize/{k}": v for k, v in stats.items()})
    extra.update({"epochs_run": trained.epochs_run, "best_epoch": trained.best_epoch,
                  "train_seconds": trained.seconds, "test_pairs_scored": len(sources),
                  "final_train_loss": history["loss"][-1],
                  "loss_below_unigram_nats": stats["target_unigram_entropy"]
                  - history["loss"][-1]})
    return Report(
        model_metrics=model_metrics,
        baselines=baselines,
        dataset=features.dataset,
        figures=figures,
        tables={"summary": summary(cfg, features, metrics, baselines, trained)
                + "\nSample test translations:\n\n" + table,
                "samples": table},
        artifacts={"codec": features.codec.to_dict()},
        throughput={
            "train_pairs_per_s": len(features.splits["train"]) * trained.epochs_run
            / max(trained.seconds, 1e-9),
            **{f"decode_{name}_sentences_per_s": len(distinct) / max(s, 1e-9)
               for name, s in seconds.items()},
        },
        extra_metrics=extra,
        tags={"cell": cfg.model.cell, "direction": features.codec.direction},
    )


def _sample_rows(distinct: list[str], n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(distinct), size=min(n, len(distinct)), replace=False)
    return [distinct[i] for i in sorted(picked)]


def sample_table(samples, decoded, reference_of) -> str:
    """Markdown: source, reference, and each decoding's output."""
    names = list(decoded)
    header = ("| source | reference | " + " | ".join(names) + " |\n"
              + "|---" * (2 + len(names)) + "|\n")
    cell = lambda text: text.replace("|", "\\|")  # noqa: E731
    body = "".join(
        f"| {cell(s)} | {cell(reference_of[s])} | "
        + " | ".join(cell(decoded[name][s].text) for name in names) + " |\n"
        for s in samples)
    return header + body


def summary(cfg, features, metrics, baselines, trained) -> str:
    """Markdown: BLEU/chrF/source leak of each decoding and the baseline, and the
    training facts."""
    rows = [*metrics.items(), *baselines.items()]
    table = ("| output | BLEU | chrF | source leak (% lines) |\n|---|---:|---:|---:|\n"
             + "".join(f"| {name} | {m['bleu']:.2f} | {m['chrf']:.2f} | "
                       f"{m['source_leak']:.1f} |\n" for name, m in rows))
    m, s = cfg.model, features.stats
    loss = trained.history["loss"][-1]
    return (
        f"Test split of {features.dataset} ({features.codec.direction}): "
        f"{int(s['test_pairs'])} pairs, {int(s['test_distinct_sources'])} distinct sources "
        f"never seen in training; sacreBLEU on detokenized, cased output.\n\n" + table
        + f"\n- model: embeddings {m.embedding_dim}, bidirectional {m.cell} encoder "
        f"2x{m.encoder_units}, {m.cell} decoder {m.decoder_units}, Bahdanau attention "
        f"{m.attention_units}; {cfg.featurize.tokenizer} vocabularies "
        f"{int(s['source_vocab_size'])} / {int(s['target_vocab_size'])} fitted on "
        f"{int(s['train_pairs'])} training pairs (mean {s['train_source_tokens_mean']:.1f} / "
        f"{s['train_target_tokens_mean']:.1f} tokens a sentence).\n"
        f"- training: {trained.epochs_run} epochs in {trained.seconds / 60:.1f} min, final "
        f"{loss_label(cfg)}: {loss:.3f} vs the targets' unigram entropy "
        f"{s['target_unigram_entropy']:.3f}.\n")
