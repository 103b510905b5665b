#!/bin/bash
# The correct forms against the history check and the weak memory modes, at the budgets
# docs/lab.md quotes: 2,000 explored schedules each, 10 s stress runs. Slow (two hours on 2
# loaded cores); run after `npm run build`. Prints one line per run.
cd "$(dirname "$0")/.." || exit 2
out=$(mktemp -d)
explore() { echo "== explore $*"; node dist/cli/main.js explore "$@" --failures "$out" 2>&1 | grep -E '^no failing|FAILED'; }
run() { echo "== run $* --check linearizable --duration 10s"; node dist/cli/main.js run "$@" --check linearizable --duration 10s 2>&1 | grep -E '^history|^verdict'; }
for m in "--prod MP --cons MC" "--prod SP --cons SC --workers 2" "--prod MT_HTS --cons MT_HTS" "--prod MT_RTS --cons MT_RTS" "--burst on"; do
  explore ring-stress $m --count 8 --bulk 2 --check linearizable --iterations 2000
  run ring-stress $m
done
run ring-stress --count 1024
for s in mempool-stress page-alloc-stress; do explore $s --check linearizable --iterations 2000; run $s; done
explore method-cache --check linearizable --iterations 2000 --time-budget 30m
run method-cache
for mem in tso relaxed; do
  explore peterson --variant plain-stores --memory $mem --iterations 2000
  for s in "ring-stress --count 8 --bulk 2" mempool-stress page-alloc-stress peterson; do explore $s --memory $mem --iterations 2000; done
  # mbuf-refcnt's default round (64 packets, 4 rounds) takes ~2 s a schedule: 8 packets, 2 rounds.
  for s in pktmbuf-pipeline "mbuf-refcnt --mbufs 8 --ops 2" method-cache; do explore $s --memory $mem --iterations 2000 --time-budget 30m; done
done
