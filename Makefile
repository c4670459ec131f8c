# HERA: `make run` sets up and runs the main job; `make test` sets up and runs the tests.
# Users with an NVIDIA GPU: `make setup TORCH_SPEC=torch` installs the CUDA build of torch.

VENV       ?= .venv
PY         := $(VENV)/bin/python
TORCH_SPEC ?= torch==2.13.0
export HERA_DATA_DIR ?= $(abspath ../shared/data)
# llama.cpp is compiled on install; a native build uses instructions (AMX) some VMs refuse.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF

.PHONY: setup run train-demo test test-slow lint bench-train bench-chat

# llama-cpp-python has no wheels on PyPI. pip's own wheel cache ignores CMAKE_ARGS, so a
# native build cached by any earlier install would be reused (and crash with "Illegal
# instruction"): HERA builds the wheel once into its own wheelhouse, with the flags above.
LLAMA_CPP_VERSION := 0.3.36
WHEELHOUSE ?= $(HOME)/.cache/hera/wheels

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

setup: $(VENV)/.installed

# The main job: open the chat app (newest HERA export, else Ollama's hera, else the starter).
run: setup
	$(VENV)/bin/hera chat

# The quick CPU training demo (tiny Gemma-2, two stages, about a minute on 2 cores).
train-demo: setup
	$(VENV)/bin/hera train configs/tiny-cpu.toml

lint: setup
	$(VENV)/bin/ruff check .

test: setup lint
	$(PY) -m pytest -q

test-slow: setup
	$(PY) -m pytest -q -m slow

bench-train: setup
	$(PY) bench/train_throughput.py

bench-chat: setup
	$(PY) bench/chat_overhead.py
