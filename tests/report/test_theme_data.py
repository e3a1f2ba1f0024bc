"""The data a figure plots, read back for its CSV download (report.theme.figure_data_csv)."""
from __future__ import annotations

import csv
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sosrap.report.theme import figure_data_csv  # noqa: E402


def rows(fig) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(figure_data_csv(fig))))
    finally:
        plt.close(fig)


def test_lines_scatter_and_categorical_bars_come_back_as_rows() -> None:
    fig, ax = plt.subplots()
    ax.set_title("Osuus")
    ax.plot([2021, 2022, 2023], [1.5, 2.0, 2.25], label="Alue")
    ax.fill_between([2021, 2023], [1, 1], [3, 3])        # a band: not data rows
    ax.scatter([10, 20], [0.5, 0.75])
    got = rows(fig)
    assert got[0] == ["axes", "series", "x", "y"]
    assert ["Osuus", "Alue", "2021", "1.5"] in got and ["Osuus", "Alue", "2023", "2.25"] in got
    assert ["Osuus", "points 1", "20", "0.75"] in got
    assert len(got) == 1 + 3 + 2
    fig, ax = plt.subplots()
    ax.barh(["Oulu", "Kemi"], [3, 4])
    assert rows(fig)[1:] == [["1", "bars 1", "3", "Oulu"], ["1", "bars 1", "4", "Kemi"]]
