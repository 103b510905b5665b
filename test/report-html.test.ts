import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore } from '../src/lab/det/explore.js';
import { replay } from '../src/lab/det/replay.js';
import { buddyView, type BuddyFrame } from '../src/lab/html/buddy-view.js';
import { type CallCacheFrame, callCacheView, touchedSites } from '../src/lab/html/callcache-view.js';
import { replayHtml } from '../src/lab/html/replay-html.js';
import { structureFrames } from '../src/lab/html/structures.js';
import { Machine } from '../src/runtime/machine.js';
import type { KernelRef } from '../src/kernel/kernel.js';
import type { VmRef } from '../src/ruby/vm.js';
import type { ReplayResult } from '../src/lab/det/replay.js';
import { reportHtml } from '../src/lab/html/report-html.js';
import { sweepHtml } from '../src/lab/html/sweep-html.js';
import type { SweepReport } from '../src/lab/sweep.js';
import { sampleReport } from './fixtures/report.js';

/** Debian's chromium, which .ci/run installs where it is missing. */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!CHROMIUM) console.warn('report-html: SKIPPED, no chromium at /usr/bin/chromium (apt-get install -y chromium; .ci/run does)');

const dir = mkdtempSync(join(tmpdir(), 'memrace-html-'));

/** Render a page headless; resolves to the DOM after scripts ran, and what the browser logged. */
function render(html: string, name: string, hash = ''): Promise<{ dom: string; log: string }> {
  const file = join(dir, name);
  writeFileSync(file, html);
  // Flags per the machine notes: no sandbox as root, and no background networking, which
  // this closed network refuses.
  return new Promise((resolve) => {
    execFile(CHROMIUM!, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${mkdtempSync(join(dir, 'profile-'))}`,
      '--enable-logging=stderr', '--v=0', '--dump-dom', `file://${file}${hash}`,
    ], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 }, (_err, stdout, stderr) => resolve({ dom: stdout, log: stderr }));
  });
}

/** One chart's markup in a rendered page. */
function chart(dom: string, kind: string): string {
  return new RegExp(`<svg class="chart" data-chart="${kind}"[\\s\\S]*?</svg>`).exec(dom)?.[0] ?? '';
}

function expectClean(page: { dom: string; log: string }, charts: string[]): void {
  // The page's script marks the document when it ran to its end; an exception stops it short.
  expect(page.dom).toMatch(/<html lang="en" data-ready="ok">/);
  expect(page.log).not.toMatch(/Uncaught|SyntaxError|ReferenceError|TypeError/);
  for (const c of charts) expect(page.dom).toMatch(new RegExp(`<svg class="chart" data-chart="${c}"[^>]*>[\\s\\S]*?<(rect|path)`));
}

/** A failing schedule of a broken variant, explored unshrunk (quick) and replayed; once per scenario. */
const replays = new Map<string, Promise<ReplayResult>>();
function replayed(scenario: string, params: Record<string, unknown>): Promise<ReplayResult> {
  if (!replays.has(scenario)) {
    replays.set(scenario, explore({ scenario, params, iterations: 200, shrink: false, failuresDir: join(dir, scenario) })
      .then((found) => replay(scenario, found.failure!.file)));
  }
  return replays.get(scenario)!;
}
const pageAlloc = () => replayed('page-alloc-stress', { variant: 'no-zone-lock', ops: 2 });
const methodCache = () => replayed('method-cache', { variant: 'inplace-imc', ops: 4, classes: 8, callsites: 20 });

/** The first turn k > 0 whose drawn frame differs from turn k-1's in `key`. */
function firstChange(at: readonly number[], frames: readonly unknown[], key: (f: unknown) => string): number {
  for (let k = 1; k < at.length; k++) if (key(frames[at[k]]) !== key(frames[at[k - 1]])) return k;
  throw new Error('the drawing never changes');
}

// Side by side, each case waits on the others' processes: a generous limit per case.
describe.concurrent('structures drawn at each turn of a replay', { timeout: 180_000 }, () => {
  it('undoing every turn of a page-allocator schedule gives back the free_area the scenario set up', async () => {
    const r = await pageAlloc();
    const f = structureFrames(r)!;
    expect(f.at).toHaveLength(r.trace.length);
    const fresh = new Machine(r.run.run.scenario, r.run.run.params);
    const kernel = (fresh.state as { kernel: KernelRef }).kernel;
    expect(f.start).toEqual(buddyView(kernel)(fresh.mem)());
    // And the last turn's frame is the image the run left.
    expect(f.frames[f.at[f.at.length - 1]]).toEqual(buddyView(kernel)(r.run.run.mem)());
  });

  it('undoing every turn of a method-cache schedule gives back the call caches the scenario set up', async () => {
    const r = await methodCache();
    const f = structureFrames(r)!;
    const fresh = new Machine(r.run.run.scenario, r.run.run.params);
    const vm = (fresh.state as { vm: VmRef }).vm;
    expect(f.start).toEqual(callCacheView(vm, touchedSites(vm, r.run.trace))(fresh.mem)());
    expect((f.frames[f.at[0]] as CallCacheFrame).sites.length).toBeGreaterThan(0);
  });
});

// Renders and explorations wait on other processes: the cases run side by side.
describe.skipIf(!CHROMIUM).concurrent('HTML reports in headless Chromium', { timeout: 180_000 }, () => {
  it('renders a run report: outcome histogram in grade colours, latency histogram, per-actor chart', async () => {
    const page = await render(reportHtml(sampleReport()), 'run.html');
    expectClean(page, ['outcomes', 'latency', 'actors']);
    expect(page.dom).toMatch(/fill="#c62828"><title>torn: 6 \(FORBIDDEN/);
    expect(page.dom).toMatch(/fill="#2e7d32"><title>ok: 2990 \(ACCEPTABLE/);
    expect(page.dom).toMatch(/fill="#f9a825"><title>short: 4 \(ACCEPTABLE_INTERESTING/);
    expect(page.dom.match(/data-chart="latency"/g)).toHaveLength(3); // every actor, producers, consumers
  });

  it('renders a sweep: throughput against workers, efficiency and latency', async () => {
    const points = ['1', '2', '4'].flatMap((x) => ['cache=0', 'cache=32'].map((setting, i) => ({
      x, setting, params: {}, runs: 3, opsPerSec: { median: 1e6 * Number(x) * (i + 1), min: 9e5 * Number(x), max: 1.1e6 * Number(x) * (i + 1) },
      efficiency: 1 / Number(x), fairness: { median: 1.1, min: 1, max: 1.3 }, latencyNs: { p50: 200, p90: 400, p99: 900 * Number(x) }, ratio: i + 1, verdicts: ['pass' as const],
    })));
    const r: SweepReport = { scenario: 'ring-stress', axis: 'workers', settings: ['cache=0', 'cache=32'], points, skipped: 0, env: sampleReport().env, startedAt: 'now', elapsedMs: 1000 };
    const page = await render(sweepHtml(r), 'sweep.html');
    expectClean(page, ['throughput', 'efficiency', 'latency']);
    expect(page.dom.match(/<g class="series">/g)).toHaveLength(6);
    // p99 ticks in the unit that reads, no '.0' widening them into the axis title.
    expect(page.dom).toMatch(/text-anchor="end" class="tick">2µs<\/text>/);
    expect(page.dom).not.toMatch(/class="tick">[\d.]+(k|\.0µ)/);
  });

  it('renders a replayed schedule as a per-actor timeline', async () => {
    const found = await explore({ scenario: 'sched-probe', params: { variant: 'lost-update', ops: 1 }, strategy: 'dfs', depth: 1, iterations: 20, failuresDir: dir });
    const r = await replay('sched-probe', found.failure!.file);
    const page = await render(replayHtml(r), 'replay.html');
    expectClean(page, ['timeline', 'outcomes']);
    expect(page.dom.match(/<rect [^>]*data-key=/g)?.length).toBe(r.trace.length);
    expect(page.dom).toMatch(/a0 bumper: load probe\.counter\+0 -&gt; 0/);
  });

  it('steps through a ring schedule: clicks move the turn and redraw the ring and the words', async () => {
    const found = await explore({ scenario: 'ring-stress', params: { variant: 'no-tail-wait', count: 8, bulk: 2, ops: 2, workers: 3, producers: 2 }, strategy: 'dfs', depth: 1, iterations: 400, failuresDir: join(dir, 'ring') });
    const r = await replay('ring-stress', found.failure!.file);
    const html = replayHtml(r);
    const start = await render(html, 'stepper.html');
    expectClean(start, ['timeline']);
    expect(start.dom).toMatch(/id="stepper" data-step="0"/);
    expect(start.dom).toMatch(/#0 a0 producer: load ring\.size -&gt; 8/);
    // The first turn has read the size only: no head or tail is known yet.
    expect(start.dom).toMatch(/ring: prod head \? tail \?, cons head \? tail \?/);
    const two = await render(html, 'stepper.html', '#click=next,next');
    expect(two.dom).toMatch(/id="stepper" data-step="2"/);
    expect(two.dom).toMatch(/<tr data-word="ring\.size"[^>]*><td>ring\.size<\/td><td class="v">8<\/td><td class="t">#0<\/td><\/tr>/);
    const end = await render(html, 'stepper.html', '#click=last,prev,next');
    const last = r.trace.length - 1;
    expect(end.dom).toMatch(new RegExp(`id="stepper" data-step="${last}"`));
    // By the end both sides have moved: the heads and tails are drawn on the ring's slots.
    expect(end.dom).toMatch(/ring: prod head \d+ tail \d+, cons head \d+ tail \d+/);
    expect(end.dom).toMatch(/data-mark="prod\.tail"/);
    expect(end.dom).toMatch(/<rect [^>]*data-slot="7"/);
  });

  it('steps through a page-allocator schedule: clicks redraw the buddy free_area as it stands at that turn', async () => {
    const r = await pageAlloc();
    const { frames, at } = structureFrames(r)!;
    const nrFree = (f: unknown) => (f as BuddyFrame).zones.map((z) => z.orders.map((o) => o.n).join(',')).join(';');
    const drawn = (dom: string) => {
      const zones = chart(dom, 'buddy').split('<g data-zone=').slice(1);
      return zones.map((z) => [...z.matchAll(/data-nr-free="(\d+)"/g)].map((m) => m[1]).join(',')).join(';');
    };
    const html = replayHtml(r);
    const k = firstChange(at, frames, nrFree);
    const moved = await render(html, 'buddy.html', `#click=${'next,'.repeat(k).slice(0, -1)}`);
    expectClean(moved, ['timeline', 'buddy']);
    expect(moved.dom).toMatch(new RegExp(`id="stepper" data-step="${k}"`));
    expect(drawn(moved.dom)).toBe(nrFree(frames[at[k]]));
    // What the turn changed is marked.
    expect(moved.dom).toMatch(/<g data-order="\d+" data-nr-free="\d+"><rect [^>]*fill="#fff3b0"/);
    const back = await render(html, 'buddy.html', `#click=${'next,'.repeat(k)}prev`);
    expect(back.dom).toMatch(new RegExp(`id="stepper" data-step="${k - 1}"`));
    expect(drawn(back.dom)).toBe(nrFree(frames[at[k - 1]]));
    expect(drawn(back.dom)).not.toBe(drawn(moved.dom));
  });

  it('steps through a method-cache schedule: clicks redraw the call sites\' caches, and the wrong dispatch shows', async () => {
    const r = await methodCache();
    const { frames, at } = structureFrames(r)!;
    const caches = (f: unknown) => (f as CallCacheFrame).sites.map((s) => s.imc.map((c) => c.join(':')).join('|')).join(';');
    const html = replayHtml(r);
    const k = firstChange(at, frames, caches);
    const moved = await render(html, 'cc.html', `#click=${'next,'.repeat(k).slice(0, -1)}`);
    expectClean(moved, ['timeline', 'callcache']);
    expect(moved.dom).toMatch(new RegExp(`id="stepper" data-step="${k}"`));
    expect(moved.dom).toMatch(/<g data-site="\d+"[^>]*><rect [^>]*fill="#fff3b0"/);
    // At the end a receiver's cache entry runs a body its method search does not find.
    const end = await render(html, 'cc.html', '#click=last');
    const text = (dom: string) => chart(dom, 'callcache').replace(/<[^>]*>/g, ' ');
    expect(text(end.dom)).not.toBe(text(moved.dom));
    expect(text(end.dom)).toMatch(/✗ the cache runs body \d+/);
    expect(text(moved.dom)).not.toMatch(/✗/);
  });
});

it('memrace replay --html writes the page', async () => {
  const found = await explore({ scenario: 'sched-probe', params: { variant: 'lost-update', ops: 1 }, strategy: 'dfs', depth: 1, iterations: 20, failuresDir: join(dir, 'cli') });
  const out = join(dir, 'cli-replay.html');
  const r = spawnSync('node', ['dist/cli/main.js', 'replay', 'sched-probe', '--schedule', found.failure!.file, '--html', out], { encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stdout).toMatch(/reproduced: the recorded run, exactly/);
  expect(readFileSync(out, 'utf8')).toMatch(/<svg class="chart" data-chart="timeline"/);
});
