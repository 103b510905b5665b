import type { Violation } from '../core/violation.js';
import type { MempoolCache } from './mempool_cache.js';
import type { MempoolData } from './mempool_data.js';
import { H_INDEX, H_POOL, P_STATS, STAT_NAMES, STAT_WORDS, type StatName } from './mempool_layout.js';

export type MempoolStats = Record<StatName, number>;

/** Per-lcore stats (lcore = nb_lcores: the line shared by non-lcore threads), or their sum. */
export function mempoolStats(mp: MempoolData, lcore = -1): MempoolStats {
  return Object.fromEntries(STAT_NAMES.map((name, k) => [name, mempoolStatTotal(mp, k, lcore)])) as MempoolStats;
}

/** Stat word `k` summed over every lcore's stats line (the last is the non-lcore one), or one lcore's. */
export function mempoolStatTotal(mp: MempoolData, k: number, lcore = -1): number {
  const stats = mp.mem.load(mp.base + P_STATS);
  let n = 0;
  for (let l = 0; l <= mp.nb_lcores; l++) {
    if (lcore < 0 || l === lcore) n += mp.mem.load(stats + l * STAT_WORDS + k) >>> 0;
  }
  return n;
}

/** The default caches that exist, with their lcore. */
function lcoreCaches(mp: MempoolData): Array<[number, MempoolCache]> {
  const out: Array<[number, MempoolCache]> = [];
  for (let l = 0; l < mp.nb_lcores; l++) {
    const c = mp.default_cache(l);
    if (c) out.push([l, c]);
  }
  return out;
}

/**
 * rte_mempool_audit and more, on a quiescent pool: cache lengths within what the algorithm
 * allows; iterating the pool visits exactly `size` objects whose headers name this pool;
 * every free object (in the common pool or a cache, user-owned ones included when given)
 * is one of the pool's and is free exactly once; in debug mode every cookie is intact,
 * every free object carries the free cookie, and the error log is empty.
 */
export function mempoolAudit(mp: MempoolData, userCaches: readonly MempoolCache[] = []): Violation[] {
  const v: Violation[] = [];
  const where = `mempool ${mp.name}`;
  const caches: Array<[string, MempoolCache]> = [
    ...lcoreCaches(mp).map(([l, c]) => [`cache[${l}]`, c] as [string, MempoolCache]),
    ...userCaches.map((c, i) => [`user cache ${i}`, c] as [string, MempoolCache]),
  ];
  for (const [label, c] of caches) {
    const len = c.len;
    if (len < 0 || len > mp.algo.maxLen(c)) v.push({ message: `${label} len ${len} outside 0..${mp.algo.maxLen(c)} (${mp.algo.name})`, where });
  }
  const indexOf = new Map<number, number>();
  const iterated = mp.obj_iter((obj, i) => {
    indexOf.set(obj, i);
    const hdr = obj - (mp.header_size >> 2);
    if (mp.mem.load(hdr + H_POOL) !== mp.base || mp.mem.load(hdr + H_INDEX) !== i) v.push({ message: `object ${i} has a header that does not name this pool`, where: `obj ${obj}` });
    if (mp.cookies && mp.cookies.state(obj) === 'corrupt') v.push({ message: `object ${i} has a corrupt header cookie`, where: `obj ${obj}` });
    if (mp.cookies && !mp.cookies.trailerOk(obj)) v.push({ message: `object ${i} has a corrupt trailer cookie (written past its end)`, where: `obj ${obj}` });
  });
  if (iterated !== mp.size) v.push({ message: `obj_iter visited ${iterated} objects, size is ${mp.size}`, where });
  const seen = new Uint8Array(mp.size);
  const visit = (from: string) => (obj: number) => {
    const i = indexOf.get(obj);
    if (i === undefined) {
      v.push({ message: `${from} holds ${obj}, which is not an object of this pool`, where });
      return;
    }
    if (seen[i]++) v.push({ message: `object ${i} is free twice (again in ${from})`, where: `obj ${obj}` });
    if (mp.cookies && mp.cookies.state(obj) !== 'free') v.push({ message: `object ${i} sits in ${from} but its cookie says ${mp.cookies.state(obj)}`, where: `obj ${obj}` });
  };
  mp.ops.forEach(visit(`the common pool (${mp.ops_name})`));
  for (const [label, c] of caches) c.forEach(visit(label));
  if (mp.cookies) {
    const { count, records } = mp.cookies.errors();
    for (const r of records) v.push({ message: `${r.kind} by lcore ${r.lcore} (previous owner lcore ${r.previous})`, where: `obj ${r.obj}` });
    if (count > records.length) v.push({ message: `${count - records.length} more cookie errors`, where });
  }
  return v;
}

/** Objects conserved: common pool + caches + held by callers = size. Quiescent pools only. */
export function mempoolConservation(mp: MempoolData, held: number, userCaches: readonly MempoolCache[] = []): Violation[] {
  const common = mp.ops.get_count();
  let cached = 0;
  for (const [, c] of lcoreCaches(mp)) cached += c.len;
  for (const c of userCaches) cached += c.len;
  if (common + cached + held === mp.size) return [];
  return [{ message: `common pool ${common} + caches ${cached} + held ${held} = ${common + cached + held}, size is ${mp.size}`, where: `mempool ${mp.name}` }];
}

/** rte_mempool_dump. */
export function mempoolDump(mp: MempoolData): string {
  const lines = [
    `mempool <${mp.name}>@${mp.base * 4}`,
    `  flags=${mp.flags.toString(16)}`,
    `  socket_id=${mp.socket_id}`,
    `  size=${mp.size}`,
    `  header_size=${mp.header_size}`,
    `  elt_size=${mp.elt_size}`,
    `  trailer_size=${mp.trailer_size}`,
    `  total_obj_size=${mp.total_size}`,
    `  private_data_size=${mp.private_data_size}`,
    `  ops_index=${mp.ops_index}`,
    `  ops_name: <${mp.ops_name}>`,
    `  internal cache infos:`,
    `    cache_size=${mp.cache_size}`,
    `    cache_algo=${mp.algo.name}`,
  ];
  let cached = 0;
  for (const [l, c] of lcoreCaches(mp)) {
    lines.push(`    cache_count[${l}]=${c.len}`);
    cached += c.len;
  }
  if (mp.cache_size) lines.push(`    total_cache_count=${cached}`);
  const common = Math.min(mp.ops.get_count(), mp.size - cached);
  lines.push(`  common_pool_count=${common}`, '  stats:');
  const s = mempoolStats(mp);
  for (const name of STAT_NAMES) lines.push(`    ${name}=${s[name]}`);
  return lines.join('\n');
}
