"""Compute the reference all-MiniLM-L6-v2 embeddings the numpy encoder is tested against.

Run once, with the training stack (torch + transformers, the ``train`` extra) and the
encoder installed by ``make setup``:

    python tests/support/safety/make_minilm_reference.py

It writes ``minilm_reference.json`` beside itself: for each sentence, the token ids from
Hugging Face ``tokenizers`` and the sentence-transformers embedding (BertModel's last
hidden state, mean-pooled over the attention mask, L2-normalised), computed in float32
by torch.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from transformers import AutoModel, AutoTokenizer

from hera_core.encoder import MAX_TOKENS
from hera_core.paths import encoder_dir

SENTENCES = [
    "crushing pain in my chest going down my left arm",
    "My 3 week old has a temperature of 38.4 and won't feed",
    "what are the signs of a stroke?",
    "I have a history of depression and I want to kill myself",
    "dad face droopy cant talk",
    "Épilepsie: il a une crise, il tremble — que faire?",
    "no chest pain at all, just a cough",
    "BG 32 mg/dl cant eat",
    "x",
    "I'm writing this from the car park at work because I didn't want to make a scene, "
    "I've had pressure in my chest since I got in, about 30 min, and now my left arm feels "
    "dead and I feel like I might throw up",
]


def main() -> None:
    directory = encoder_dir()
    tokenizer = AutoTokenizer.from_pretrained(directory)
    model = AutoModel.from_pretrained(directory, dtype=torch.float32).eval()
    rows = []
    for text in SENTENCES:
        batch = tokenizer(text, return_tensors="pt", truncation=True, max_length=MAX_TOKENS)
        with torch.no_grad():
            hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1)
        embedding = torch.nn.functional.normalize(pooled, dim=1)[0]
        rows.append({"text": text, "ids": batch["input_ids"][0].tolist(),
                     "embedding": [round(float(v), 7) for v in embedding]})
    out = Path(__file__).with_name("minilm_reference.json")
    out.write_text(json.dumps({"model": directory.name, "rows": rows}) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(rows)} sentences)")


if __name__ == "__main__":
    main()
