"""The classifier make setup builds is reproducible: same corpus, same training script, same
weights; and it is rebuilt when the corpus or the code changes, not otherwise."""

from __future__ import annotations

import json

from hera_tui.safety.classifier import TrainedDetector
from hera_tui.safety.detector import weights_path
from hera_tui.safety.train import corpus_dir, corpus_files, corpus_sha256, main


def test_the_built_weights_were_trained_on_the_corpus_as_it_is() -> None:
    shipped = TrainedDetector.load(weights_path())
    files = corpus_files(corpus_dir())
    assert shipped.meta["corpus_files"] == [p.name for p in files]
    assert shipped.meta["corpus_sha256"] == corpus_sha256(files), (
        "the corpus changed: retrain with python -m hera_tui.safety.train")


def test_retraining_reproduces_the_built_weights_and_thresholds(capsys) -> None:
    """The whole training run (cross-validation, every threshold, the final fit) again,
    compared with the built files: the script is deterministic and nothing built was
    edited by hand."""
    assert main(["--check"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "check: the built weights match the corpus" in out
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
    assert "the corpus changed since the built weights were trained" in err
    assert "the vocabulary differs" in err


def test_setup_retrains_only_missing_or_stale_weights(tmp_path, capsys) -> None:
    """`make setup` runs --if-stale: built weights of this corpus and code are kept; weights
    recorded with another build hash, or none at all, are not up to date."""
    from hera_tui.safety.train import _up_to_date, build_sha256

    assert main(["--if-stale"]) == 0
    assert "learned layer up to date" in capsys.readouterr().out
    files = corpus_files(corpus_dir())
    assert _up_to_date(weights_path(), files)
    stale = tmp_path / "detector.npz"
    stale.write_bytes(weights_path().read_bytes())
    meta = json.loads(weights_path().with_suffix(".json").read_text())
    stale.with_suffix(".json").write_text(json.dumps({**meta, "build_sha256": "0" * 64}))
    assert not _up_to_date(stale, files)
    assert not _up_to_date(tmp_path / "missing.npz", files)
    assert meta["build_sha256"] == build_sha256(files)


def test_without_built_weights_the_check_runs_on_the_rules_and_says_the_fix(
        tmp_path, monkeypatch) -> None:
    from hera_tui.safety import detector

    monkeypatch.setattr(detector, "weights_path", lambda: tmp_path / "detector.npz")
    check, status = detector._load_default.__wrapped__()
    assert check.trained is None
    assert status.startswith("rules only: the learned layer is not built; fix: make setup")
    assert check.assess("crushing chest pain going down my left arm").alert is not None
