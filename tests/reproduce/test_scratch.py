"""The scratch folder: the lesson's data at the paths the notebook names, the submission's own
copies winning, the synthetic stand-in recognised, and no symlink carried in."""

from __future__ import annotations

import os

from grader.reproduce import scratch


def test_data_goes_where_the_notebook_reads_it_and_the_submissions_copies_win(tmp_path):
    sub = tmp_path / "sub"
    (sub / "Resources").mkdir(parents=True)
    (sub / "Resources" / "x_austin_final.csv").write_text("Date,TempAvgF\n2016-01-01,50\n")  # the student's own
    (sub / "rain.ipynb").write_text("{}")
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    os.symlink(secret, sub / "link.txt")
    sources = ['x = pd.read_csv("Resources/x_austin_final.csv")', "y = pd.read_csv('../Data/y_austin_final.csv')",
               'c = pd.read_csv(Path("Data") / "german_credit_data.csv")', "pd.read_csv('s3://b/k.csv')",
               "df.to_csv('predictions.csv')"]
    ws = scratch.build(sub, sub / "rain.ipynb", sources, base=tmp_path)
    try:
        assert ws.data == {"Resources/x_austin_final.csv": "submission",
                           "../Data/y_austin_final.csv": "grader (SYNTHETIC stand-in)",
                           "german_credit_data.csv": "grader"}
        assert (ws.workdir / "../Data/y_austin_final.csv").is_file()
        assert (ws.workdir / "Data" / "german_credit_data.csv").is_file()  # a usual folder
        assert ws.absent == ["predictions.csv"]
        assert ws.synthetic  # y comes from the stand-in
        assert not (ws.copy / "link.txt").exists()
        assert (ws.lib / "_grader_kernel" / "_recordio.py").is_file() and (ws.lib / "_grader_kernel" / "standin.py").is_file()
        assert len(str(ws.sandbox / "connection-ipc-1")) < 100  # a Unix socket path must fit in 107 bytes
    finally:
        ws.cleanup()
    assert not ws.root.exists()


def test_a_kept_copy_of_the_shipped_synthetic_data_is_still_synthetic(tmp_path):
    sub = tmp_path / "sub"
    (sub / "data").mkdir(parents=True)
    for name in scratch.SYNTHETIC:
        (sub / "data" / name).write_bytes((scratch.shipped_data() / name).read_bytes())
    (sub / "rain.ipynb").write_text("{}")
    ws = scratch.build(sub, sub / "rain.ipynb", ['pd.read_csv("data/x_austin_final.csv")'], base=tmp_path)
    try:
        assert ws.data["data/x_austin_final.csv"] == "submission (the grader's SYNTHETIC stand-in)" and ws.synthetic
    finally:
        ws.cleanup()
