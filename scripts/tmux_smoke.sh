#!/usr/bin/env bash
# Smoke test of the real app, driven the way a person would: launch `viva` in tmux, press
# keys with send-keys, read the screen with capture-pane. Uses throwaway data/config dirs.
#
#   scripts/tmux_smoke.sh            # prints each step; exit 0 when every check passed
#   VIVA_SMOKE_KEEP=1 scripts/...    # leave the tmux session open for a look (tmux attach -t viva-smoke)
set -euo pipefail

cd "$(dirname "$0")/.."
VIVA="${VIVA_BIN:-$PWD/.venv/bin/viva}"
SESSION="viva-smoke-$$"
WORK="$(mktemp -d)"
export VIVA_DATA_DIR="$WORK/data" VIVA_RECORDINGS_DIR="$WORK/recordings" VIVA_CONFIG="$WORK/config.toml"
export VIVA_CACHE_DIR="${VIVA_CACHE_DIR:-$HOME/.cache/viva}" HF_HUB_OFFLINE=1

cleanup() {
    [[ -n "${VIVA_SMOKE_KEEP:-}" ]] || tmux kill-session -t "$SESSION" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

screen() { tmux capture-pane -p -t "$SESSION"; }

# wait_for TEXT [SECONDS]: poll the screen until TEXT shows, else fail with the screen.
wait_for() {
    local text="$1" limit="${2:-20}" start=$SECONDS
    until screen | grep -qF -- "$text"; do
        if (( SECONDS - start > limit )); then
            echo "FAIL: '$text' did not appear within ${limit}s. Screen:" >&2
            screen >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "ok: $text"
}

keys() { tmux send-keys -t "$SESSION" "$@"; sleep 0.3; }

# A running tmux server would give the new session its own environment: pass ours explicitly
# (Viva's settings, and XDG_RUNTIME_DIR so a test's PulseAudio is the sound server).
env_args=()
while IFS= read -r name; do
    env_args+=(-e "$name=${!name}")
done < <(compgen -e | grep -E '^(VIVA_|HF_HUB_OFFLINE$|XDG_RUNTIME_DIR$)')

start_ns=$(date +%s%N)
tmux new-session -d -s "$SESSION" -x 100 -y 30 "${env_args[@]}" \
    "'$VIVA'; echo VIVA-EXITED-\$?; sleep 30"
wait_for "Welcome to Viva" 30
echo "first screen after $(( ($(date +%s%N) - start_ns) / 1000000 )) ms"
wait_for "Models (speech recognition"
keys Escape  # skip the first-run walkthrough (tests/test_ui.py covers it)
wait_for "space Start"
wait_for "Week 1 of 12" 30

keys F1
wait_for "Everywhere"
keys Escape

keys b
wait_for "computer-vision"
keys Enter
keys Down
keys a
wait_for "Rubric points"
keys Escape

keys h
wait_for "attempts"
keys Escape

keys s
wait_for "Microphone"
keys Escape

# Practise: with a microphone this records; without one a notice explains, and the app goes on.
keys Space
wait_for "Question 1 of" 20
for _ in $(seq 300); do  # the question is spoken first (up to ~30 s)
    screen | grep -qE "● Recording|failed" && break
    sleep 0.1
done
if screen | grep -qF "● Recording"; then
    echo "ok: Recording"
    keys Space
    wait_for "Saved as attempt" 60
else
    echo "not recording; screen:"; screen
fi
keys Escape
wait_for "space Start"

keys C-q
wait_for "VIVA-EXITED-0" 20
echo "tmux smoke test passed"
