#!/usr/bin/env bash
# Benchmarks abusedefs on a synthetic registry (default 1,000 terms, 20 releases, 5,000
# commits) against Hugo rendering the same number of pages with the same bodies, and
# against the I/O floor (copying the finished site). Every output goes to a RAM disk
# (/dev/shm) so that the disk is not what is measured. The full build starts without a
# site and without the build cache; the rebuilds use the cache. The tools are interleaved, run
# after run, and the median of RUNS runs is reported with the peak resident memory.
#
#   scripts/bench.sh [TERMS RELEASES COMMITS]      RUNS=5 scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TERMS=${1:-1000}; RELEASES=${2:-20}; COMMITS=${3:-5000}; RUNS=${RUNS:-3}
WORK=${WORK:-/dev/shm/abusedefs-bench}
TODAY=2026-12-04

command -v hugo >/dev/null || { echo "== installing hugo"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hugo >/dev/null; }
{ [ -x /usr/bin/time ] && command -v bc >/dev/null; } || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time bc >/dev/null; }

echo "== building abusedefs (release)"
cargo build --locked --release --quiet --bin abusedefs --example synth
BIN=$PWD/target/release/abusedefs

rm -rf "$WORK"; mkdir -p "$WORK"
echo "== synthetic repository: $TERMS terms, $RELEASES releases, $COMMITS commits"
./target/release/examples/synth --terms "$TERMS" --releases "$RELEASES" --commits "$COMMITS" "$WORK/written"
# Measured on a clone, as CI checks it out: the generator writes loose objects, a clone
# has them packed.
git clone -q --no-local "$WORK/written" "$WORK/repo"
rm -rf "$WORK/written"

# One full build first, to know the page count for Hugo's corpus.
"$BIN" build --repo "$WORK/repo" --out "$WORK/site" --today "$TODAY" >/dev/null
PAGES=$(find "$WORK/site" -name '*.html' | wc -l)
echo "== our site: $PAGES pages, $(du -sh "$WORK/site" | cut -f1)"

echo "== Hugo corpus: $PAGES pages with the registry's bodies"
mkdir -p "$WORK/hugo/content/p" "$WORK/hugo/layouts/_default"
cat > "$WORK/hugo/hugo.toml" <<TOML
baseURL = "https://synthetic.example.org/"
title = "Synthetic"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
TOML
echo '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body><main><h1>{{ .Title }}</h1>{{ .Content }}</main></body></html>' > "$WORK/hugo/layouts/_default/single.html"
echo '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body><main><h1>{{ .Title }}</h1></main></body></html>' > "$WORK/hugo/layouts/_default/list.html"
python3 - "$WORK" "$PAGES" <<'PY'
import os, sys
work, pages = sys.argv[1], int(sys.argv[2])
terms = os.path.join(work, "repo/definitions/terms")
bodies = []
for name in sorted(os.listdir(terms)):
    text = open(os.path.join(terms, name), encoding="utf-8").read()
    bodies.append(text.split("\n---\n", 1)[1] if "\n---\n" in text else text)
for i in range(pages):
    with open(os.path.join(work, "hugo/content/p", f"page-{i}.md"), "w", encoding="utf-8") as f:
        f.write(f'---\ntitle: "Page {i}"\n---\n' + bodies[i % len(bodies)])
PY

# measure NAME COMMAND...: appends "seconds max_rss_kib" to $WORK/NAME.times
measure() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/.time" "$@" >/dev/null 2>&1
  cat "$WORK/.time" >> "$WORK/$name.times"
}

TERM_FILE=$(find "$WORK/repo/definitions/terms" -name 'term-*.md' | sort | sed -n 1p)
CACHE="$WORK/repo/.abusedefs-cache"
for ((run = 1; run <= RUNS; run++)); do
  echo "== run $run of $RUNS"
  # A full build starts from nothing: no site, no build cache.
  rm -rf "$WORK/site" "$CACHE"
  measure full "$BIN" build --repo "$WORK/repo" --out "$WORK/site" --today "$TODAY"
  measure unchanged "$BIN" build --repo "$WORK/repo" --out "$WORK/site" --today "$TODAY"
  sed -i "0,/ the / s// a /" "$TERM_FILE"
  measure one-edit "$BIN" build --repo "$WORK/repo" --out "$WORK/site" --today "$TODAY"
  git -C "$WORK/repo" checkout -q -- .
  measure check-cold "$BIN" check --no-cache --repo "$WORK/repo"
  measure check "$BIN" check --repo "$WORK/repo"
  measure diff "$BIN" diff 1 "$RELEASES" --repo "$WORK/repo" --format json
  rm -rf "$WORK/hugo/public"
  measure hugo hugo --source "$WORK/hugo" --quiet
  rm -rf "$WORK/copy"
  measure floor cp -r "$WORK/site" "$WORK/copy"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
printf '\n%-11s %10s %14s\n' "measure" "median s" "peak RSS MiB"
for name in full unchanged one-edit check-cold check diff hugo floor; do
  s=$(cut -d' ' -f1 "$WORK/$name.times" | median)
  m=$(cut -d' ' -f2 "$WORK/$name.times" | median)
  printf '%-11s %10.2f %14.0f\n' "$name" "$s" "$(echo "$m / 1024" | bc -l)"
  eval "T_${name//-/_}=$s"
done
echo
echo "pages: ours $PAGES, Hugo $(find "$WORK/hugo/public" -name '*.html' | wc -l)"
printf 'full build / Hugo:         %.2f (target <= 0.25)\n' "$(echo "$T_full / $T_hugo" | bc -l)"
printf 'full build / I/O floor:    %.2f\n' "$(echo "$T_full / $T_floor" | bc -l)"
printf 'one edit / full build:     %.2f (target <= 0.10)\n' "$(echo "$T_one_edit / $T_full" | bc -l)"

# Where the time of one full build goes, phase by phase (wall time, resident memory).
echo
echo "== phases of one full build (ABUSEDEFS_TIMINGS=1)"
rm -rf "$WORK/site" "$CACHE"
ABUSEDEFS_TIMINGS=1 "$BIN" build --repo "$WORK/repo" --out "$WORK/site" --today "$TODAY" 2>&1 >/dev/null | grep '^timing:'
echo "== phases of the rebuild after one edit"
sed -i "0,/ the / s// a /" "$TERM_FILE"
ABUSEDEFS_TIMINGS=1 "$BIN" build --repo "$WORK/repo" --out "$WORK/site" --today "$TODAY" 2>&1 >/dev/null | grep '^timing:'
git -C "$WORK/repo" checkout -q -- .
