"""The shipped classifier is reproducible: same corpus, same training script, same weights."""

from __future__ import annotations

import json

from hera_tui.safety.classifier import TrainedDetector
from hera_tui.safety.detector import weights_path
from hera_tui.safety.train import corpus_dir, corpus_files, corpus_sha256, main


def test_the_shipped_weights_were_trained_on_the_corpus_as_it_is() -> None:
    shipped = TrainedDetector.load(weights_path())
    files = corpus_files(corpus_dir())
    assert shipped.meta["corpus_files"] == [p.name for p in files]
    assert shipped.meta["corpus_sha256"] == corpus_sha256(files), (
        "the corpus changed: retrain with python -m hera_tui.safety.train")


def test_retraining_reproduces_the_shipped_weights_and_thresholds(capsys) -> None:
    """The whole training run (cross-validation, every threshold, the final fit) again,
    compared with the committed files: the script is deterministic and nothing shipped was
    edited by hand."""
    assert main(["--check"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "check: the shipped weights match the corpus" in out
    figures = json.loads(weights_path().with_suffix(".json").read_text())["cross_validation"]
    for mode in ("rules", "classifier", "combined"):
        hits, total = figures[mode]["recall"][:2]
        assert f"{mode:<10} recall {hits / total:.1%} ({hits}/{total}" in out


def test_a_different_corpus_is_reported_as_a_mismatch(tmp_path, capsys) -> None:
    for path in corpus_files(corpus_dir()):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        (tmp_path / path.name).write_text("".join(lines[: len(lines) // 8]), encoding="utf-8")
    assert main(["--check", "--corpus", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "the corpus changed since the shipped weights were trained" in err
    assert "the vocabulary differs" in err
