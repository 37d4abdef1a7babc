# Shared helpers for vouch's scripts: caches under ~/.cache/vouch, idempotent installs.
# Source this file; it defines functions only.

VOUCH_CACHE="${VOUCH_CACHE:-$HOME/.cache/vouch}"
VOUCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

# Installs Debian packages that are missing (as root, or with sudo when available).
need_apt() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    say "installing ${missing[*]} (apt)"
    if [ ! -f "$VOUCH_CACHE/.apt-updated" ] || [ -n "$(find "$VOUCH_CACHE/.apt-updated" -mmin +1440 2>/dev/null)" ]; then
        $sudo apt-get update -qq >&2 || die "apt-get update failed"
        mkdir -p "$VOUCH_CACHE" && touch "$VOUCH_CACHE/.apt-updated"
    fi
    mkdir -p "$VOUCH_CACHE"
    if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >"$VOUCH_CACHE/apt.log" 2>&1; then
        tail -n 20 "$VOUCH_CACHE/apt.log" >&2
        die "could not install ${missing[*]} with apt-get (log: $VOUCH_CACHE/apt.log)"
    fi
}

# Fetches crates from crates.io into cargo's registry (no build) and prints the
# directory of each, one per line, in the order given. Arguments: "name@version_req".
fetch_crates() {
    local dir="$VOUCH_CACHE/sources/fetch"
    mkdir -p "$dir/src"
    : > "$dir/src/lib.rs"
    {
        printf '[package]\nname = "vouch-source-fetch"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n[workspace]\n[dependencies]\n'
        for spec in "$@"; do
            printf '%s = { version = "%s", default-features = false }\n' "${spec%@*}" "${spec#*@}"
        done
    } > "$dir/Cargo.toml.new"
    if ! cmp -s "$dir/Cargo.toml.new" "$dir/Cargo.toml" 2>/dev/null; then
        mv "$dir/Cargo.toml.new" "$dir/Cargo.toml"
        rm -f "$dir/Cargo.lock"
    else
        rm -f "$dir/Cargo.toml.new"
    fi
    (cd "$dir" && cargo fetch -q >&2) || die "cargo fetch of $* failed (is crates.io reachable?)"
    local meta
    meta=$(cd "$dir" && cargo metadata --format-version 1 2>/dev/null) || die "cargo metadata failed in $dir"
    for spec in "$@"; do
        python3 -c '
import json, sys, os
meta = json.load(sys.stdin)
name = sys.argv[1]
for p in meta["packages"]:
    if p["name"] == name:
        print(os.path.dirname(p["manifest_path"])); break
else:
    sys.exit("no package " + name)
' "${spec%@*}" <<<"$meta" || die "cannot locate ${spec%@*} in cargo's registry"
    done
}

# Builds the vouch binary (release, or debug with VOUCH_PROFILE=debug) and prints its path.
vouch_release() {
    local profile="${VOUCH_PROFILE:-release}" flag="--release"
    [ "$profile" = "debug" ] && flag=""
    # shellcheck disable=SC2086
    (cd "$VOUCH_ROOT" && cargo build $flag -q -p vouch-cli >&2) || die "cargo build ($profile) failed"
    printf '%s\n' "${CARGO_TARGET_DIR:-$VOUCH_ROOT/target}/$profile/vouch"
}

# Makes sure the Rust toolchain is there; it cannot be installed from a package registry.
need_cargo() {
    command -v cargo >/dev/null 2>&1 && return 0
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH" && return 0
    die "cargo not found: install Rust 1.95 or newer (https://rustup.rs) and run this again"
}

# The system include directories clang's driver would use, as -cc1 flags.
clang_isystem() {
    clang-14 -xc -E -v /dev/null 2>&1 \
        | sed -n '/#include <...> search starts here/,/End of search/p' \
        | grep '^ ' | sed 's/^ */-internal-isystem /' | tr '\n' ' '
}

# Starts llama-server ($1) with the GGUF $2, the context $3 and any further arguments,
# on a free 127.0.0.1 port, its output in the file $LLAMA_LOG (made if unset), and waits
# until it answers /health. Sets LLAMA_PORT and LLAMA_PID; stop it with stop_llama_server.
start_llama_server() {
    local server="$1" gguf="$2" context="$3"
    shift 3
    LLAMA_LOG="${LLAMA_LOG:-$(mktemp)}"
    LLAMA_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$server" -m "$gguf" --host 127.0.0.1 --port "$LLAMA_PORT" --jinja -c "$context" \
        -t "$(nproc)" --no-webui "$@" >"$LLAMA_LOG" 2>&1 &
    LLAMA_PID=$!
    for _ in $(seq 1 240); do
        curl -sf "http://127.0.0.1:$LLAMA_PORT/health" >/dev/null 2>&1 && return 0
        kill -0 "$LLAMA_PID" 2>/dev/null || die "llama-server exited: $(tail -5 "$LLAMA_LOG")"
        sleep 0.5
    done
    die "llama-server was not ready after 120 s: $(tail -5 "$LLAMA_LOG")"
}

# Stops the server start_llama_server started and removes its log.
stop_llama_server() {
    [ -n "${LLAMA_PID:-}" ] && { kill "$LLAMA_PID" 2>/dev/null; wait "$LLAMA_PID" 2>/dev/null || true; }
    [ -n "${LLAMA_LOG:-}" ] && rm -f "$LLAMA_LOG"
    LLAMA_PID="" LLAMA_LOG=""
}
