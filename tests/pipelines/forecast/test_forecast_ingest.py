"""Forecast ingest: every source loads; every kind of bad input names file, line, column."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.core.datahome import dataset_path
from pipelines.core.errors import ConfigError, DataMissingError
from pipelines.forecast.config import DataConfig, ForecastConfig
from pipelines.forecast.ingest import ForecastDataError, ingest
from pipelines.forecast.sources.beijing import RELATIVE_PATH as BEIJING
from pipelines.forecast.sources.jena import CANONICAL as JENA
from pipelines.forecast.sources.jena import FEATURES as JENA_FEATURES
from pipelines.forecast.sources.jena import SAMPLE as JENA_SAMPLE
from pipelines.forecast.sources.sp500 import RELATIVE_PATH as SP500


def cfg(source: str, **data) -> ForecastConfig:
    return ForecastConfig(data=DataConfig(source=source, **data))


def check_frames(raw, n_series: int = 1) -> None:
    assert len(raw.series) == n_series
    for frame in raw.series.values():
        assert isinstance(frame.index, pd.DatetimeIndex) and frame.index.name == "time"
        assert frame.index.is_monotonic_increasing and frame.index.is_unique
        assert list(frame.columns) == [raw.target, *raw.features]
        assert (frame.dtypes == "float64").all()
    assert raw.provenance.rows == sum(len(f) for f in raw.series.values())


def needs(relative: str) -> Path:
    path = dataset_path(relative)
    if not path.is_file():
        pytest.skip(f"dataset not in the data home: {path} (set RNNKIT_DATA_HOME)")
    return path


# ---------------------------------------------------------------- packaged sources


def test_seattle_weather_is_the_default_source():
    raw = ingest(ForecastConfig())
    check_frames(raw)
    assert raw.target == "temp_max"
    assert raw.features == ["precipitation", "temp_min", "wind"]
    assert (raw.frequency, raw.season, raw.is_price) == ("1D", 7, False)
    assert raw.provenance.source == "seattle-weather"
    assert raw.provenance.path == "vega_datasets:seattle-weather"
    assert len(raw.provenance.sha256) == 64 and raw.provenance.rows == 1461


def test_msft_loads_prices():
    raw = ingest(cfg("msft"))
    check_frames(raw)
    assert (raw.target, raw.features) == ("Close", ["Open", "High", "Low", "Volume"])
    assert (raw.frequency, raw.season, raw.is_price) == (None, 5, True)


def test_config_overrides_target_and_features():
    raw = ingest(cfg("seattle-weather", target="wind", features=["temp_max"]))
    assert (raw.target, raw.features) == ("wind", ["temp_max"])


def test_unknown_source_and_single_series_options_are_config_errors():
    with pytest.raises(ConfigError, match="seattle-weather"):
        ingest(cfg("seatle-weather"))
    with pytest.raises(ConfigError, match="data.series"):
        ingest(cfg("msft", series=["MSFT"]))


# ---------------------------------------------------------------- data-home sources


@pytest.mark.dataset
def test_sp500_tickers():
    needs(SP500)
    raw = ingest(cfg("sp500", series=["AAPL", "MSFT"]))
    check_frames(raw, 2)
    assert list(raw.series) == ["AAPL", "MSFT"]
    assert (raw.target, raw.features) == ("close", ["open", "high", "low", "volume"])
    assert (raw.frequency, raw.season, raw.is_price) == (None, 5, True)
    assert raw.provenance.sha256.startswith("10897dbd")


@pytest.mark.dataset
def test_sp500_unknown_ticker_lists_valid_ones():
    needs(SP500)
    with pytest.raises(ForecastDataError, match=r"'aapl'.*did you mean 'AAPL'.*Valid tickers"):
        ingest(cfg("sp500", series=["aapl"]))


@pytest.mark.dataset
def test_jena_falls_back_to_the_2024_sample(tmp_path):
    if dataset_path(JENA).is_file():
        pytest.skip("the data home has the 2009-2016 file, so the sample is not used")
    needs(JENA_SAMPLE)
    raw = ingest(cfg("jena"))
    check_frames(raw)
    assert raw.target == "T (degC)" and raw.features == JENA_FEATURES
    assert raw.angle_columns == ["wd (deg)"]
    assert (raw.frequency, raw.season) == ("10min", 144)
    assert raw.provenance.path.endswith("mpi_roof_2024_jun-oct.csv.gz")


def test_jena_canonical_file_first_latin1_and_sentinels(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNKIT_DATA_HOME", str(tmp_path))
    header = ["Date Time", "p (mbar)", "T (degC)", *JENA_FEATURES[1:], "SWDR (W/m²)"]
    rows = [[f"01.01.2009 00:{m}0:00", 996.5, -8.0 + m, *range(11), -9999, 0.0]
            for m in range(4)]
    rows[2][2] = -9999.0
    rows.insert(2, list(rows[1]))  # an exact repeat of a row is dropped
    text = ",".join(header) + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n"
    path = tmp_path / JENA
    path.parent.mkdir(parents=True)
    path.write_bytes(text.encode("latin-1"))
    raw = ingest(cfg("jena"))
    check_frames(raw)
    frame = raw.series["jena"]
    assert np.isnan(frame["T (degC)"].iloc[2]) and raw.missing["T (degC)"] == 1
    assert raw.missing["wd (deg)"] == 4
    assert raw.provenance.path == str(path) and len(frame) == 4
    path.write_bytes(text.replace("-7.0", "-7.5", 1).encode("latin-1"))
    with pytest.raises(ForecastDataError, match=r"line 4, column 'Date Time'.*duplicate.*line 3"):
        ingest(cfg("jena"))


@pytest.mark.dataset
def test_beijing_first_station_by_default():
    needs(BEIJING)
    raw = ingest(cfg("beijing"))
    check_frames(raw)
    assert list(raw.series) == ["Aotizhongxin"]
    assert raw.target == "TEMP" and raw.features == ["PRES", "DEWP", "RAIN", "WSPM", "wd"]
    assert raw.angle_columns == ["wd"] and (raw.frequency, raw.season) == ("1h", 24)
    wd = raw.series["Aotizhongxin"]["wd"]
    assert wd.min() == 0.0 and wd.max() == 337.5
    assert raw.missing["wd"] == int(wd.isna().sum()) > 0


@pytest.mark.dataset
def test_beijing_covariates_are_prefixed_and_shared_by_every_target():
    needs(BEIJING)
    raw = ingest(cfg("beijing", series=["Changping", "Dongsi"], covariate_series=["all"]))
    check_frames(raw, 2)
    assert "Aotizhongxin:TEMP" in raw.features and "Aotizhongxin:wd" in raw.angle_columns
    assert not any(f.startswith(("Changping:", "Dongsi:")) for f in raw.features)
    assert len(raw.features) == 5 + 8 * 6
    one = ingest(cfg("beijing", series=["Changping"], covariate_series=["Aotizhongxin"]))
    columns = ["TEMP", "PRES", "DEWP", "RAIN", "WSPM", "wd"]
    assert one.features[5:] == [f"Aotizhongxin:{c}" for c in columns]
    pd.testing.assert_series_equal(one.series["Changping"]["Aotizhongxin:TEMP"],
                                   raw.series["Changping"]["Aotizhongxin:TEMP"])
    with pytest.raises(ConfigError, match="either a target or a covariate"):
        ingest(cfg("beijing", series=["Changping"], covariate_series=["Changping"]))


def test_beijing_missing_file_names_the_expected_path(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNKIT_DATA_HOME", str(tmp_path))
    with pytest.raises(DataMissingError, match="beijing_multisite_air_quality_2013_2017.csv.gz"):
        ingest(cfg("beijing"))


BEIJING_HEADER = ('"No","year","month","day","hour","PM2.5","PM10","SO2","NO2","CO","O3",'
                  '"TEMP","PRES","DEWP","RAIN","wd","WSPM","station"')


def beijing_fixture(tmp_path, monkeypatch, edit=None) -> Path:
    monkeypatch.setenv("RNNKIT_DATA_HOME", str(tmp_path))
    lines = [BEIJING_HEADER]
    for station in ["B", "A"]:
        for h in range(3):
            lines.append(f'{h + 1},2013,3,1,{h},4,4,4,7,300,77,{h}.5,1023,-18.8,0,"NNW",4.4,'
                         f'"{station}"')
    if edit:
        edit(lines)
    path = tmp_path / BEIJING
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress("\r\n".join(lines).encode() + b"\r\n"))
    return path


def test_beijing_fixture_joins_covariates_on_time(tmp_path, monkeypatch):
    beijing_fixture(tmp_path, monkeypatch)
    raw = ingest(cfg("beijing", covariate_series=["all"]))
    assert list(raw.series) == ["A"] and raw.features[-1] == "B:wd"
    assert raw.angle_columns == ["wd", "B:wd"]
    assert raw.series["A"]["wd"].tolist() == [337.5] * 3
    assert raw.series["A"]["B:TEMP"].tolist() == [0.5, 1.5, 2.5]
    every = ingest(cfg("beijing", series=["all"]))  # one global model over all stations
    assert list(every.series) == ["A", "B"] and "B:TEMP" not in every.features


@pytest.mark.parametrize(
    ("line", "old", "new", "pattern"),
    [
        (6, '"NNW"', '"NNX"', r"line 6, column 'wd'.*'NNX'"),
        (3, ",3,1,1,", ",13,1,1,", r"line 3, columns 'year/month/day/hour'.*2013-13-1-1"),
        (4, ",3,1,2,", ",3,1,1,", r"line 4, column 'year/month/day/hour' \(station 'B'\)"
                                  r": duplicate timestamp .*line 3"),
        (7, ",2.5,", ",oops,", r"line 7, column 'TEMP'.*'oops'"),
    ],
)
def test_beijing_bad_rows(tmp_path, monkeypatch, line, old, new, pattern):
    def edit(lines):
        assert old in lines[line - 1]
        lines[line - 1] = lines[line - 1].replace(old, new, 1)

    path = beijing_fixture(tmp_path, monkeypatch, edit)
    with pytest.raises(ForecastDataError, match=pattern) as info:
        ingest(cfg("beijing", series=["A"] if line > 4 else ["B"]))
    assert path.name in str(info.value)


# ---------------------------------------------------------------- csv:PATH


def write(tmp_path, text: str, name: str = "series.csv") -> Path:
    path = tmp_path / name
    data = text.encode()
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


GOOD = """time,temp,wind,note
2024-01-01 00:00,1.0,3.0,a
2024-01-01 01:00,2.0,,b
2024-01-01 02:00,3.0,4.0,c
2024-01-01 03:00,4.0,5.0,d
"""


def test_csv_single_series_hourly(tmp_path):
    path = write(tmp_path, GOOD, "series.csv.gz")
    raw = ingest(cfg(f"csv:{path}", time_column="time", target="temp", features=["wind"]))
    check_frames(raw)
    assert list(raw.series) == ["series"]
    assert (raw.frequency, raw.season, raw.is_price) == ("h", 24, False)
    assert raw.missing == {"temp": 0, "wind": 1}
    assert raw.provenance.path == str(path) and len(raw.provenance.sha256) == 64


def test_csv_features_default_to_none_and_irregular_steps_give_no_frequency(tmp_path):
    path = write(tmp_path, "day,y\n2024-01-01,1\n2024-01-02,2\n2024-01-05,3\n2024-01-06,4\n")
    raw = ingest(cfg(f"csv:{path}", time_column="day", target="y"))
    assert raw.features == [] and raw.frequency is None and raw.season is None
    daily = write(tmp_path, "day,y\n2024-01-01,1\n2024-01-02,2\n2024-01-03,3\n", "d.csv")
    raw = ingest(cfg(f"csv:{daily}", time_column="day", target="y"))
    assert (raw.frequency, raw.season) == ("D", 7)


def test_csv_series_column(tmp_path):
    text = "site,date,y,x\n" + "".join(
        f"{s},2024-01-0{d},{d}{i},{i}\n" for d in (1, 2, 3) for i, s in enumerate("bca"))
    path = write(tmp_path, text)
    base = dict(time_column="date", target="y", features=["x"], series_column="site")
    raw = ingest(cfg(f"csv:{path}", **base))
    check_frames(raw, 3)
    assert list(raw.series) == ["a", "b", "c"]
    assert raw.series["c"]["y"].tolist() == [11.0, 21.0, 31.0]
    raw = ingest(cfg(f"csv:{path}", series=["c", "a"], **base))
    assert list(raw.series) == ["c", "a"] and raw.frequency == "D"
    with pytest.raises(ForecastDataError, match=r"no series 'd' in column 'site'"):
        ingest(cfg(f"csv:{path}", series=["d"], **base))


def test_csv_needs_time_column_and_target(tmp_path):
    path = write(tmp_path, GOOD)
    with pytest.raises(ConfigError, match="data.time_column"):
        ingest(cfg(f"csv:{path}", target="temp"))
    with pytest.raises(ConfigError, match="data.target"):
        ingest(cfg(f"csv:{path}", time_column="time"))
    with pytest.raises(DataMissingError, match="nope.csv"):
        ingest(cfg(f"csv:{tmp_path / 'nope.csv'}", time_column="time", target="temp"))


def test_csv_empty_files(tmp_path):
    for name, text in [("zero.csv", ""), ("header.csv", "time,temp\n"),
                       ("header.csv.gz", "time,temp\n\n")]:
        path = write(tmp_path, text, name)
        with pytest.raises(ForecastDataError, match=rf"{re.escape(name)}.*(empty|no data rows)"):
            ingest(cfg(f"csv:{path}", time_column="time", target="temp"))


BAD = [
    # (what, edit of GOOD's lines, config, expected line, column, extra pattern)
    ("missing target", None, dict(target="tmp"), 1, "tmp",
     r"did you mean 'temp'.*Columns found: 'time', 'temp', 'wind', 'note'"),
    ("missing feature", None, dict(features=["gust"]), 1, "gust", "Columns found"),
    ("missing time column", None, dict(time_column="Time"), 1, "Time", "did you mean 'time'"),
    ("bad timestamp", (3, "2024-01-01 02:00", "2024-01-01 2 o'clock"), {}, 4, "time",
     "2 o'clock"),
    ("empty timestamp", (2, "2024-01-01 01:00", ""), {}, 3, "time", "empty"),
    ("duplicate", (3, "02:00", "01:00"), {}, 4, "time", "duplicate timestamp.*line 3"),
    ("unsorted", (4, "03:00", "00:30"), {}, 5, "time", "not sorted.*line 4"),
    ("non-numeric feature", (3, ",4.0,", ",four,"), {}, 4, "wind", "expected a number.*'four'"),
    ("non-numeric target", (1, ",1.0,", ",1.0.0,"), {}, 2, "temp", "'1.0.0'"),
    ("infinite", (4, ",5.0,", ",-inf,"), {}, 5, "wind", "infinite"),
]


@pytest.mark.parametrize(("what", "edit", "override", "line", "column", "pattern"), BAD,
                         ids=[b[0] for b in BAD])
def test_csv_bad_input_names_file_line_column(tmp_path, what, edit, override, line, column,
                                              pattern):
    lines = GOOD.splitlines()
    if edit:
        index, old, new = edit
        assert old in lines[index]
        lines[index] = lines[index].replace(old, new)
    path = write(tmp_path, "\n".join(lines) + "\n", "weather_obs.csv")
    settings = {"time_column": "time", "target": "temp", "features": ["wind"], **override}
    with pytest.raises(ForecastDataError, match=pattern) as info:
        ingest(cfg(f"csv:{path}", **settings))
    message = str(info.value)
    assert "weather_obs.csv" in message and f"'{column}'" in message
    if line > 1:
        assert f"line {line}," in message


def test_csv_blank_lines_keep_line_numbers_and_nan_is_allowed(tmp_path):
    text = GOOD.replace("b\n", "b\n\n").replace("4.0,5.0", "4.0,x5")
    path = write(tmp_path, text)
    with pytest.raises(ForecastDataError, match=r"line 6, column 'wind'"):
        ingest(cfg(f"csv:{path}", time_column="time", target="temp", features=["wind"]))
    raw = ingest(cfg(f"csv:{path}", time_column="time", target="temp"))
    assert len(raw.series["series"]) == 4


def test_csv_same_time_in_two_series_is_fine_but_not_in_one(tmp_path):
    ok = "id,t,y\na,2024-01-01,1\nb,2024-01-01,2\na,2024-01-02,3\nb,2024-01-02,4\n"
    path = write(tmp_path, ok)
    raw = ingest(cfg(f"csv:{path}", time_column="t", target="y", series_column="id"))
    assert [len(f) for f in raw.series.values()] == [2, 2]
    path = write(tmp_path, ok + "b,2024-01-02,5\n", "dup.csv")
    with pytest.raises(ForecastDataError, match=r"dup.csv, line 6, column 't' \(series 'b'\)"
                                                r": duplicate timestamp .* line 5"):
        ingest(cfg(f"csv:{path}", time_column="t", target="y", series_column="id"))
