#!/usr/bin/env bash
# Set up everything Viva needs, idempotently: Debian packages, then .venv with the package.
# Called by scripts/run.sh and scripts/test.sh; safe to run again (it skips what is done).
set -euo pipefail
cd "$(dirname "$0")/.."

# tmux: the smoke test drives the app in it (scripts/tmux_smoke.sh), as a person would.
DEBIAN_PACKAGES=(espeak-ng libportaudio2 libsndfile1 pulseaudio pulseaudio-utils libasound2-plugins tmux)

install_debian_packages() {
    command -v dpkg-query >/dev/null || { echo "setup: not a Debian/Ubuntu system; install ${DEBIAN_PACKAGES[*]} yourself" >&2; return 0; }
    local missing=()
    for pkg in "${DEBIAN_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
            echo "setup: please install: sudo apt-get install ${missing[*]}" >&2; return 0; fi
    fi
    echo "setup: installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# llama.cpp compiles with -march=native by default, and pip caches that wheel by the source's hash
# alone: a wheel built on a CPU with AVX-512 then dies with "Illegal instruction" on one without
# (CI did). So Viva builds it once per version for x86-64-v3 (AVX2, FMA, F16C: every x86 CPU since
# 2013-15) without pip's cache, keeps it under a name that says so, and installs that file.
LLAMA_CPP_CMAKE_ARGS="-DGGML_NATIVE=OFF"
install_portable_llama_cpp() {
    local version flags_key wheels
    version=$(sed -n 's/.*"llama-cpp-python==\([0-9.]*\)".*/\1/p' pyproject.toml)
    flags_key=$(echo "$LLAMA_CPP_CMAKE_ARGS" | sha256sum | cut -c1-8)
    wheels="${XDG_CACHE_HOME:-$HOME/.cache}/viva/wheels/llama-cpp-python-$version-portable-$flags_key"
    if ! ls "$wheels"/llama_cpp_python-*.whl >/dev/null 2>&1; then
        echo "setup: building llama.cpp $version for any AVX2 CPU (once; ~16 min on two idle cores)"
        mkdir -p "$wheels.partial"
        CMAKE_ARGS="$LLAMA_CPP_CMAKE_ARGS" \
            .venv/bin/python -m pip wheel -q --no-cache-dir --no-deps -w "$wheels.partial" \
            "llama-cpp-python==$version"
        rm -rf "$wheels" && mv "$wheels.partial" "$wheels"   # only a finished build is ever reused
    fi
    .venv/bin/python -m pip install -q -c constraints.txt --force-reinstall "$wheels"/llama_cpp_python-*.whl
}

install_python_packages() {
    local python="${PYTHON:-python3}"
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
        echo "setup: Viva needs Python 3.11 or newer ($python is $("$python" --version))" >&2; exit 1; }
    [ -x .venv/bin/python ] || "$python" -m venv .venv
    # Re-install only when the declared dependencies change.
    local stamp=.venv/.viva-setup-stamp want
    want=$( (cat pyproject.toml constraints.txt; echo "$LLAMA_CPP_CMAKE_ARGS") | sha256sum | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "setup: installing Python packages into .venv (first time: a few minutes)"
        .venv/bin/python -m pip install -q --upgrade pip
        # constraints.txt pins torch to the CPU build; an unpinned torch pulls a multi-GB CUDA build.
        # [llm] builds llama.cpp from source the first time (~16 min on two idle cores; pip caches
        # the wheel, so later set-ups take seconds). VIVA_SKIP_LLAMA_CPP=1 skips it: the critique
        # then runs on transformers.
        local extras="dev,llm"
        if [ "${VIVA_SKIP_LLAMA_CPP:-0}" = "1" ]; then extras="dev"; else install_portable_llama_cpp; fi
        CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
            .venv/bin/python -m pip install -q -c constraints.txt -e ".[$extras]"
        echo "$want" > "$stamp"
    fi
}

install_debian_packages
install_python_packages
