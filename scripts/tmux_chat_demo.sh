#!/usr/bin/env bash
# Open the HERA chat app in tmux as a person would, type a question, press Enter, and read
# the reply off the screen (tmux capture-pane). Exits non-zero if no reply appears.
#
#   scripts/tmux_chat_demo.sh ["question"] [extra `hera chat` arguments...]
#
# Uses a throwaway HERA_HOME unless HERA_HOME is set, so your saved chats are untouched, and
# its own tmux server (socket), so it neither touches your tmux sessions nor inherits an
# older server's environment.
set -euo pipefail

question="${1:-What is a fever? Answer in one sentence.}"
shift || true
repo="$(cd "$(dirname "$0")/.." && pwd)"
hera="$repo/.venv/bin/hera"
[ -x "$hera" ] || hera="$(command -v hera)"
command -v tmux >/dev/null || { echo "tmux is not installed (apt-get install tmux)" >&2; exit 2; }

session="hera-demo-$$"
home="${HERA_HOME:-$(mktemp -d)}"
t() { tmux -L "$session" "$@"; }
trap 't kill-server 2>/dev/null || true' EXIT

screen() { t capture-pane -p -t "$session"; }

wait_for() {  # wait_for PATTERN SECONDS: poll the screen until PATTERN shows up
    local pattern="$1" limit="$2" waited=0 shown
    while true; do
        shown="$(screen)"
        grep -qE "$pattern" <<<"$shown" && return 0
        if [ "$waited" -ge "$limit" ] || grep -q "^hera exited" <<<"$shown"; then
            echo "gave up after ${waited}s waiting for /$pattern/; the screen was:" >&2
            echo "$shown" >&2
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
}

# If the app ends early, its last words stay on screen (and are printed) instead of vanishing.
t new-session -d -s "$session" -x 120 -y 40 \
    "HERA_HOME='$home' TERM=xterm-256color '$hera' chat $*; echo \"hera exited (\$?)\"; sleep 600"
wait_for "ready" 120
t send-keys -t "$session" -l "$question"
t send-keys -t "$session" Enter
# The status line shows the reply's stats ("N tokens · ... first token ...") when it is done.
wait_for "tokens · .*first token" 300

echo "---- screen after the reply ----"
screen
echo "--------------------------------"
# the reply is headed by the model that wrote it (a file name or ollama:NAME)
screen | grep -qE "█ .*(\.gguf|ollama:)" || { echo "no labelled reply on screen" >&2; exit 1; }
t send-keys -t "$session" C-q
wait_for "^hera exited" 10
HERA_HOME="$home" "$hera" chat --list
