"""grader.gradetask: the grader a worker or a cluster task receives, pickled once and restored
once per process."""

from __future__ import annotations

import pickle
import subprocess
import sys

from grader import gradetask
from grader.batch import _student_formats
from grader.gradetask import StudentGrader
from grader.rubric import load_rubric


def grader(tmp_path, endpoint="http://127.0.0.1:1", regions=("us-east-2",)):
    return StudentGrader(load_rubric(), _student_formats([]), tmp_path / "students", endpoint, list(regions), False,
                         None)


def test_the_same_bytes_restore_one_grader_and_other_options_another(tmp_path):
    original = grader(tmp_path)
    data = pickle.dumps(original)
    assert pickle.dumps(original) == data  # pickled once per instance
    first, again = pickle.loads(data), pickle.loads(data)
    assert first is again and first is not original
    assert (first.rubric.digest, first.formats, first.endpoint_url, first.regions, first.students_dir) == (
        original.rubric.digest, original.formats, original.endpoint_url, original.regions, original.students_dir)
    assert first.points == original.points
    other = pickle.loads(pickle.dumps(grader(tmp_path, regions=("eu-west-1",))))
    assert other is not first and other.regions == ["eu-west-1"]
    assert pickle.dumps(first) == data  # a restored grader travels on as the same bytes


def test_the_cache_keeps_only_the_last_few(tmp_path, monkeypatch):
    monkeypatch.setattr(gradetask, "_RESTORED", type(gradetask._RESTORED)())
    made = [pickle.loads(pickle.dumps(grader(tmp_path, endpoint=f"http://127.0.0.1:{i + 1}")))
            for i in range(gradetask.MAX_RESTORED + 3)]
    assert len(gradetask._RESTORED) == gradetask.MAX_RESTORED
    assert made[0].endpoint_url not in {g.endpoint_url for g in gradetask._RESTORED.values()}


def test_another_process_restores_it_without_the_parents_cache(tmp_path):
    data = pickle.dumps(grader(tmp_path))
    code = ("import pickle, sys; g = pickle.loads(sys.stdin.buffer.read()); "
            "print(g.rubric.digest, g.endpoint_url)")
    done = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().split() == [load_rubric().digest, "http://127.0.0.1:1"]
