"""HERA training: configs, examples, model loading, the stage runner (torch), `hera train`
and `hera doctor`. What it shares with the chat and the export is in ``hera_core``."""
