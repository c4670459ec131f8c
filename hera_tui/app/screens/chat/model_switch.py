"""Which model a reopened conversation continues with.

A saved conversation remembers the model it was held with, and opening it goes back to that
model, unless the person named one with ``--model`` (which then wins, and the screen says
so) or the model is not available any more (the current one stays, and the screen says why).
"""

from __future__ import annotations

from hera_tui.models import ModelChoice, ModelNotFoundError, parse_spec, spec_label

#: a line for the chat log: its text and its kind ("error" or "info")
Notice = tuple[str, str]


def conversation_model(
    current: ModelChoice | None, spec: str, follow: bool
) -> tuple[ModelChoice | None, Notice | None]:
    """The model to switch to for a conversation held with ``spec`` (None: stay), and what
    to tell the person; ``follow`` is False when ``--model`` named the current model."""
    if not spec or (current is not None and current.spec == spec):
        return None, None
    now = f"replies now come from {current.label}" if current else "no model is loaded"
    if not follow:
        return None, (f"This conversation was held with {spec_label(spec)}; {now} "
                      "(--model). Ctrl+O switches.", "info")
    try:
        choice = parse_spec(spec, "this conversation's model")
    except ModelNotFoundError:
        return None, (f"This conversation was held with {spec_label(spec)}, which is not "
                      f"available any more ({spec}); {now}. Ctrl+O chooses another.", "error")
    return choice, (f"Switched to {choice.label}, the model this conversation was held with.",
                    "info")
