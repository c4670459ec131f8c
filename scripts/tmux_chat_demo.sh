#!/usr/bin/env bash
# Open the HERA chat app in tmux as a person would, type a question, press Enter, and read
# the reply off the screen (tmux capture-pane). Exits non-zero if no reply appears.
#
#   scripts/tmux_chat_demo.sh ["question"] [extra `hera chat` arguments...]
#
# Uses a throwaway HERA_HOME unless HERA_HOME is set, so your saved chats are untouched.
set -euo pipefail

question="${1:-What is a fever? Answer in one sentence.}"
shift || true
repo="$(cd "$(dirname "$0")/.." && pwd)"
hera="$repo/.venv/bin/hera"
[ -x "$hera" ] || hera="$(command -v hera)"
command -v tmux >/dev/null || { echo "tmux is not installed (apt-get install tmux)" >&2; exit 2; }

session="hera-demo-$$"
home="${HERA_HOME:-$(mktemp -d)}"
trap 'tmux kill-session -t "$session" 2>/dev/null || true' EXIT

screen() { tmux capture-pane -p -t "$session"; }

wait_for() {  # wait_for PATTERN SECONDS: poll the screen until PATTERN shows up
    local pattern="$1" limit="$2" waited=0
    until screen | grep -qE "$pattern"; do
        sleep 1
        waited=$((waited + 1))
        if [ "$waited" -ge "$limit" ]; then
            echo "timed out after ${limit}s waiting for /$pattern/; the screen was:" >&2
            screen >&2
            return 1
        fi
    done
}

tmux new-session -d -s "$session" -x 120 -y 40 \
    "HERA_HOME='$home' TERM=xterm-256color '$hera' chat $*"
wait_for "ready" 120
tmux send-keys -t "$session" -l "$question"
tmux send-keys -t "$session" Enter
# The status line shows the reply's stats ("N tokens · ... first token ...") when it is done.
wait_for "tokens · .*first token" 300

echo "---- screen after the reply ----"
screen
echo "--------------------------------"
screen | grep -q "HERA" || { echo "no reply block on screen" >&2; exit 1; }
tmux send-keys -t "$session" C-q
sleep 1
HERA_HOME="$home" "$hera" chat --list
