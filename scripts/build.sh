#!/usr/bin/env bash
# Release build of the server and the WASM (cargo-leptos), with wasm-opt from end2end/node_modules,
# then a brotli (.br) and a gzip (.gz, by zopfli) copy beside each compressible file of target/site, made
# once here so the server never compresses its files per request (server/src/assets.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Nothing changed since the last build: done in a second (cargo-leptos would run wasm-bindgen
# and wasm-opt again, minutes on two cores). The stamp is taken before building, so an edit made
# during a build is seen by the next one. FORCE_BUILD=1 builds anyway.
stamp=target/.mz-build-stamp
if [ "${FORCE_BUILD:-0}" != 1 ] && [ -f "$stamp" ] && [ -x target/release/server ] && [ -f target/site/pkg/mz.wasm ] \
   && [ -z "$(find app server style public scripts/build.sh Cargo.toml Cargo.lock -newer "$stamp" -type f -print -quit)" ]; then
  echo "build.sh: release build up to date (FORCE_BUILD=1 to build anyway)"
  exit 0
fi
mkdir -p target
next_stamp=$(mktemp target/.mz-build-stamp.XXXXXX)
trap 'rm -f "$next_stamp"' EXIT
# --split: the lazily loaded pages go into a few WASM chunks (see app/src/ui/mod.rs `lazy_page!`).
# cargo-leptos leaves the chunks of earlier builds behind; they would be served and counted.
rm -f target/site/pkg/chunk_* target/site/pkg/split_*
cargo leptos build --release --split

command -v brotli >/dev/null || { echo "build.sh: brotli is missing; run scripts/setup.sh" >&2; exit 1; }
start=$(date +%s)
# A copy that is not smaller than its file is dropped: the file is served as it is.
find target/site -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.svg' \
    -o -name '*.json' -o -name '*.webmanifest' -o -name '*.txt' -o -name '*.ico' -o -name '*.html' \) -print0 |
  xargs -0 -r -n 4 -P "$(nproc)" sh -c '
    for f; do
      brotli -q 11 -f -k -o "$f.br" "$f"
      # zopfli writes ordinary gzip that is 3-5 % smaller than gzip -9 (a few seconds for the WASM).
      if command -v zopfli >/dev/null; then zopfli -c "$f" >"$f.gz"; else gzip -9 -n -k -f "$f"; fi
      size=$(stat -c %s "$f")
      for c in "$f.br" "$f.gz"; do [ "$(stat -c %s "$c")" -lt "$size" ] || rm -f "$c"; done
    done' sh
echo "build.sh: site files compressed (brotli, gzip) in $(( $(date +%s) - start )) s"
mv "$next_stamp" "$stamp"
