"""Run and metric names: what ran, by split and role, and runs of the old names read."""

from pipelines.core import naming


def test_run_names_say_what_ran():
    assert naming.run_name("forecast", "gru", 64, "seattle-weather", "default") == (
        "forecast · gru 64 · seattle-weather")
    assert naming.run_name("sentiment", "leaky", 16, "csv:/data/reviews.csv", "smoke") == (
        "sentiment · leaky 16 · reviews.csv · smoke")


def test_metrics_are_named_by_split_and_role():
    assert [naming.epoch_metric(k) for k in ("loss", "val_loss", "mae", "learning_rate",
                                             "epoch_seconds")] == [
        "train/loss", "val/loss", "train/mae", "optimizer/learning_rate", "time/epoch_s"]
    assert naming.test_metric("mae") == "test/mae"
    assert naming.baseline_metric("seasonal_naive", "mae") == "baseline/seasonal_naive/test/mae"


def test_runs_of_both_namings_are_read():
    new = {"test/mae": 1.0, "test_clips": 40, "baseline/naive/test/mae": 2.0}
    assert naming.read_test_metrics(new) == {"mae": 1.0}  # test_clips is a count
    assert naming.read_baseline_metrics(new, ["mae"]) == {"naive": {"mae": 2.0}}
    old = {"test_mae": 1.0, "test_mae_last_step": 1.5, "baseline_seasonal_naive_mae": 2.0,
           "baseline_seasonal_naive_mae_last_step": 3.0}
    assert naming.read_test_metrics(old) == {"mae": 1.0, "mae_last_step": 1.5}
    assert naming.read_baseline_metrics(old, ["mae", "mae_last_step"]) == {
        "seasonal_naive": {"mae": 2.0, "mae_last_step": 3.0}}
