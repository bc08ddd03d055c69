"""Ingest: IMDB and user CSVs; each bad input fails with file, line and column."""

import pytest

from pipelines.core.errors import ConfigError, DataMissingError
from pipelines.sentiment.ingest import SentimentDataError, ingest


def run(make_cfg, path, **data):
    return ingest(make_cfg(data={"source": f"csv:{path}", **data}))


def test_user_csv_maps_labels_of_any_type_and_holds_out_a_stratified_test(
        write_csv, make_cfg, labelled_rows):
    rows = [[t, {"pos": 2, "neg": 10}[y]] for t, y in labelled_rows] + [["so-so film", 7]] * 4
    raw = run(make_cfg, write_csv(rows, header=("review", "stars")),
              text_column="review", label_column="stars")
    assert raw.labels == ["2", "7", "10"]  # numbers in numeric order
    assert sorted(raw.frame["label"].unique()) == [0, 1, 2]
    counts = raw.frame.groupby(["split", "label"]).size()
    assert counts["test"].tolist() == [4, 1, 4] and counts["train"].tolist() == [16, 3, 16]
    assert raw.provenance.rows == 44 and len(raw.provenance.sha256) == 64


def test_declared_labels_and_split_column(write_csv, make_cfg):
    rows = [["good film", "yes", "train"], ["bad film", "no", "TRAIN"],
            ["fine film", "yes", "test"], ["poor film", "no", "test"]]
    path = write_csv(rows, header=("text", "label", "part"), name="r.csv.gz")
    raw = run(make_cfg, path, labels=["no", "yes"], split_column="part")
    assert raw.labels == ["no", "yes"] and raw.frame["label"].tolist() == [1, 0, 1, 0]
    assert raw.frame["split"].tolist() == ["train", "train", "test", "test"]


def test_unexpected_label_values_are_listed(write_csv, make_cfg, labelled_rows):
    path = write_csv(labelled_rows + [["meh", "neutral"], ["hmm", "??"], ["ok", "neutral"]])
    with pytest.raises(SentimentDataError) as err:
        run(make_cfg, path, labels=["neg", "pos"])
    message = str(err.value)
    assert "'??'" in message and "'neutral'" in message and "2 unexpected" in message
    assert f"{path}, column 'label'" in message and "line 42" in message


def test_empty_review_names_file_line_and_column(write_csv, make_cfg):
    rows = [["a long\nreview over\nthree lines", "pos"], ["fine", "neg"], ["   ", "pos"]]
    path = write_csv(rows)
    with pytest.raises(SentimentDataError, match=r"line 6, column 'text': the text is empty"):
        run(make_cfg, path)


def test_non_text_review(write_csv, make_cfg):
    path = write_csv([["good", "pos"], ["12345 !!!", "neg"]])
    with pytest.raises(SentimentDataError, match=r"line 3, column 'text': the text has no "
                                                 r"letters .*'12345 !!!'"):
        run(make_cfg, path)


def test_empty_label(write_csv, make_cfg):
    path = write_csv([["good", "pos"], ["bad", ""]])
    with pytest.raises(SentimentDataError, match=r"line 3, column 'label': the label is empty"):
        run(make_cfg, path)


def test_missing_column_lists_the_columns_found(write_csv, make_cfg):
    path = write_csv([["good", "pos"]], header=("review", "label"))
    with pytest.raises(SentimentDataError, match=r"no column 'text'.*'review', 'label'"):
        run(make_cfg, path)


@pytest.mark.parametrize("content, problem", [
    ("", "is empty \\(0 bytes\\)"),
    ("text,label\n", "has a header \\(line 1\\) but no data rows"),
    ("\n\n", "is empty"),
])
def test_empty_files(tmp_path, make_cfg, content, problem):
    path = tmp_path / "empty.csv"
    path.write_text(content)
    with pytest.raises(SentimentDataError, match=problem):
        run(make_cfg, path)


def test_a_single_class_and_a_bad_split_value(write_csv, make_cfg):
    with pytest.raises(SentimentDataError, match="at least two classes"):
        run(make_cfg, write_csv([["good", "pos"], ["fine", "pos"]]))
    path = write_csv([["good", "pos", "train"], ["bad", "neg", "dev"]],
                     header=("text", "label", "part"))
    with pytest.raises(SentimentDataError, match=r"line 3, column 'part'.*'dev'"):
        run(make_cfg, path, split_column="part")


def test_missing_files_and_sources(tmp_path, make_cfg, monkeypatch):
    with pytest.raises(DataMissingError, match="nowhere.csv"):
        run(make_cfg, tmp_path / "nowhere.csv")
    with pytest.raises(ConfigError, match="imdb, csv:PATH"):
        ingest(make_cfg(data={"source": "yelp"}))
    monkeypatch.setenv("RNNKIT_DATA_HOME", str(tmp_path))
    with pytest.raises(DataMissingError, match=str(tmp_path / "imdb_reviews")):
        ingest(make_cfg())


@pytest.mark.dataset
def test_imdb_subset_keeps_the_official_split(imdb_home, make_cfg):
    raw = ingest(make_cfg(data={"max_train": 300, "max_test": 100}))
    assert raw.labels == ["negative", "positive"] and raw.dataset == "imdb"
    assert raw.frame["split"].value_counts().to_dict() == {"train": 300, "test": 100}
    assert set(raw.frame["label"]) == {0, 1}
    assert raw.provenance.sha256 == (
        "40ba0541e3e2265c54a9646fd7a800105559455736e63151ffdc3a11dd2ad41b")
