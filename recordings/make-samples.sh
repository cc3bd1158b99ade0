#!/usr/bin/env bash
# Rebuilds the shipped sample recordings (recordings/sample-*.db) with the current machine;
# run it (npm run samples) when the machine version changes and test/samples.test.ts says so.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A VFS crash injected at its 54th message, while the kernel reads the console shell's image:
# the exec fails with EIO, the Reincarnation Server restarts the VFS, init starts the shell again,
# and forkrace then runs to its verdict. (The 200th message before the image's programs were
# stripped of their DWARF: an exec reads the whole file; both are at icount 34665.)
printf 'echo hello\nforkrace\nforkrace\n' >"$tmp/input.txt"
rm -f recordings/sample-vfs-crash.db
node bin/xrr.mjs record --seed sample-1 --epoch 2026-01-01T00:00:00Z --input "$tmp/input.txt" \
  --inject crash:vfs:54 --out recordings/sample-vfs-crash.db >/dev/null
# One file, no WAL beside it, no free pages.
sqlite3 recordings/sample-vfs-crash.db 'PRAGMA journal_mode=DELETE; VACUUM;' >/dev/null
node bin/xrr.mjs verify recordings/sample-vfs-crash.db

# A pair for `xrr diff` (the README's "Diff two boots"): the same `ls /bin` session with the same
# seed and epoch, the second with a VFS crash injected at its third VFS_WRITE (type 103), which is
# ls's write of its first line: the shell's listing silently loses `bootcheck`. Each recording
# draws its own key seed, so every sealed message differs on the wire and the diff compares them
# by meaning.
printf 'ls /bin\n' >"$tmp/ls.txt"
for pair in "sample-diff-ls.db:" "sample-diff-ls-vfs-crash.db:--inject crash:vfs:103:3"; do
  out=recordings/${pair%%:*}
  rm -f "$out"
  # shellcheck disable=SC2086 # the fault option is two words on purpose
  node bin/xrr.mjs record --seed sample-diff --epoch 2026-01-01T00:00:00Z --input "$tmp/ls.txt" \
    ${pair#*:} --out "$out" >/dev/null
  sqlite3 "$out" 'PRAGMA journal_mode=DELETE; VACUUM;' >/dev/null
  node bin/xrr.mjs verify "$out"
done
