"""Leave-one-speaker-out probe: per fold, test accuracy after every epoch.

Featurizes FSDD once (speaker split plus the given overrides), then trains each chosen
fold as `rnnkit run speech` does (early stopping on val_loss with best weights restored,
rate halved on plateaus) and prints the restored model's test accuracy beside the
whole curve, to see how far early stopping on seen speakers lands from the best epoch.

    PYTHONPATH=$PWD RNNKIT_DATA_HOME=... python experiments/speech_fold_curves.py \
        "featurize.vtlp_range=[] featurize.reverb_rt60=[]" jackson,yweweler
"""

import sys
import time

import keras
import numpy as np

from pipelines.core import tasks
from pipelines.speech.dataset import FrameDataset, predict_proba
from pipelines.speech.featurize import featurize
from pipelines.speech.ingest import ingest
from pipelines.speech.train import build_model


def main(overrides: list[str], wanted: list[str] | None) -> None:
    cfg = tasks.get_task("speech").load_config("default", ["data.split=speaker", *overrides])
    t = cfg.train
    feats = featurize(cfg, ingest(cfg))
    finals = {}
    for fold in feats.folds:
        if wanted and fold.name not in wanted:
            continue
        start = time.perf_counter()
        keras.utils.set_random_seed(t.seed)
        scaler = feats.featurizers[fold.name]
        data = FrameDataset([feats.versions[i] for i in fold.train], feats.y[fold.train],
                            t.batch_size, shuffle=True, seed=t.seed, augment=cfg.featurize,
                            featurizer=scaler)
        val = FrameDataset([[feats.versions[i][0]] for i in fold.val], feats.y[fold.val],
                           t.batch_size, featurizer=scaler)
        test, y_test = feats.scaled(fold, fold.test), feats.y[fold.test]
        model = build_model(cfg, len(feats.labels), scaler.n_features)
        curve = []

        def accuracy(model=model, test=test, y_test=y_test):
            return float((predict_proba(model, test).argmax(1) == y_test).mean())

        probe = keras.callbacks.LambdaCallback(
            on_epoch_end=lambda _epoch, _logs, curve=curve, accuracy=accuracy:
            curve.append(accuracy()))
        model.fit(data, validation_data=val, epochs=t.epochs, verbose=0, callbacks=[
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=t.patience,
                                          restore_best_weights=True),
            keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5,
                                              patience=max(1, t.patience // 2)),
            probe])
        finals[fold.name] = accuracy()
        print(f"fold {fold.name}: restored {finals[fold.name]:.3f}, best epoch "
              f"{int(np.argmax(curve)) + 1} {max(curve):.3f}, {time.perf_counter() - start:.0f} s;"
              " curve " + " ".join(f"{a:.2f}" for a in curve), flush=True)
    print(f"mean {np.mean(list(finals.values())):.4f} over {len(finals)} folds")


if __name__ == "__main__":
    main(sys.argv[1].split() if len(sys.argv) > 1 else [],
         sys.argv[2].split(",") if len(sys.argv) > 2 else None)
