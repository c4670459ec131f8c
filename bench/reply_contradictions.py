"""How often a model's reply to a flagged emergency undercuts the guidance, and whether the
guard keeps every such reply off the screen.

For each emergency of the frozen safety sets (or an even sample of them), the message goes
through the emergency check; a flagged one is answered exactly as ``hera ask`` answers it
(greedy, the NIH sources, the emergency context in the prompt, the reply guard), and the
reply is sorted into: **withheld** (the model wrote reassurance or permission to wait: the
guard stopped it and showed the guidance instead), **opens with the guidance** (its first
sentence tells the person to call or go now: HERA's own opening line does, so the bench
also counts whether the model's words after it do), or neither. What is shown never contradicts
the guidance by the guard's own reading, so that is not counted again: the printed replies
are there so a person can read what the guard passed.

    python bench/reply_contradictions.py MODEL.gguf [--limit 60] [--max-tokens 160]
        [--show 10] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

SETS = Path(__file__).resolve().parent.parent / "hera_tui" / "safety" / "sets"
FROZEN = ("frozen_eval.jsonl", "frozen_eval_v2.jsonl", "frozen_eval_v3.jsonl")


def emergencies(limit: int | None) -> list[tuple[str, str]]:
    """(set, text) of every emergency of the frozen sets, or ``limit`` spread evenly."""
    rows = []
    for name in FROZEN:
        for line in (SETS / name).read_text(encoding="utf-8").splitlines():
            if line.strip() and (row := json.loads(line)).get("emergency"):
                rows.append((name, row["text"]))
    if limit and limit < len(rows):
        step = len(rows) / limit
        rows = [rows[int(i * step)] for i in range(limit)]
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, help="the GGUF (HERA-mini, the starter, ...)")
    parser.add_argument("--limit", type=int, default=None,
                        help="an even sample of this many emergencies (default: all)")
    parser.add_argument("--max-tokens", type=int, default=160)
    parser.add_argument("--show", type=int, default=10, help="replies printed to read")
    parser.add_argument("--json", type=Path, help="write every reply and verdict here")
    args = parser.parse_args()

    from hera_core.formats import EMERGENCY_OPENING
    from hera_core.intervals import wilson
    from hera_tui.answers import Answerer, open_library_retriever
    from hera_tui.backends.base import GenerationParams
    from hera_tui.backends.llama_cpp_backend import LlamaCppBackend
    from hera_tui.safety import triage
    from hera_tui.safety.reply_guard import opens_with_guidance

    rows = emergencies(args.limit)
    retriever, missing = open_library_retriever()
    backend = LlamaCppBackend(args.model)
    backend.load(4096)
    params = GenerationParams(temperature=0.0, top_p=1.0, max_tokens=args.max_tokens,
                              context_length=4096)
    answerer = Answerer(backend, retriever, missing, params)
    records = []
    try:
        for name, text in rows:
            alert = triage(text)
            if alert is None:
                records.append({"set": name, "text": text, "flagged": False})
                continue
            answer = answerer.answer(text, alert=alert)
            shown = answer.reply.text
            model_text = (answer.model_text if answer.withheld else
                          shown.removeprefix(EMERGENCY_OPENING).strip())
            records.append({
                "set": name, "text": text, "flagged": True, "condition": alert.condition,
                "withheld": answer.withheld.reason if answer.withheld else "",
                "model_reply": model_text, "shown": shown,
                "opens_with_guidance": opens_with_guidance(shown),
                "model_opens_with_guidance": opens_with_guidance(model_text),
            })
    finally:
        backend.close()
    flagged = [r for r in records if r["flagged"]]
    n = len(flagged)

    def share(label: str, count: int) -> str:
        low, high = wilson(count, n)
        return f"{label}: {count}/{n} = {count / max(n, 1):.1%} (95% CI {low:.1%}-{high:.1%})"

    print(f"{args.model.name}: {len(records)} emergencies of the frozen sets, {n} flagged by "
          f"the check (the {len(records) - n} it missed get no guidance and no guard)")
    print(share("model's reply undercut the guidance, withheld", sum(bool(r["withheld"])
                                                                    for r in flagged)))
    print(share("reply shown opens with the guidance (call / go now)",
                sum(r["opens_with_guidance"] for r in flagged)))
    print(share("the model's own words open with it (after HERA's opening line)",
                sum(r["model_opens_with_guidance"] for r in flagged)))
    for r in flagged[: args.show]:
        state = f"WITHHELD ({r['withheld']})" if r["withheld"] else "shown"
        print(f"\n--- {r['condition']}: {r['text'][:100]}\n{state}\n{r['model_reply'][:400]}")
    if args.json:
        args.json.write_text(json.dumps(records, indent=1, ensure_ascii=False), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
