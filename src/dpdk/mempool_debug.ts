import type { Mem } from '../shm/mem.js';
import type { MempoolData } from './mempool_data.js';
import {
  DBG_BAD_COOKIE, DBG_BAD_TRAILER, DBG_DOUBLE_PUT, DBG_GET_NOT_FREE, DBG_KIND_NAMES, DBG_RECORDS, DBG_WORDS,
  DBG_WRONG_POOL, HDR_BYTES, H_COOKIE, H_LAST_GET, H_LAST_PUT, H_POOL, P_DBG, RTE_MEMPOOL_HEADER_COOKIE1,
  RTE_MEMPOOL_HEADER_COOKIE2, RTE_MEMPOOL_TRAILER_COOKIE,
} from './mempool_layout.js';

const HDR_WORDS = HDR_BYTES >> 2;

/** One cookie error as the pool's debug log keeps it. */
export interface CookieError {
  kind: string;
  obj: number;
  /** The lcore that made the bad call (-1: not an lcore). */
  lcore: number;
  /** The lcore that last put (double put) or got the object before. */
  previous: number;
}

/**
 * Debug mode (RTE_LIBRTE_MEMPOOL_DEBUG): each object's header cookie says allocated
 * (COOKIE1) or free (COOKIE2), its trailer cookie guards the end of the object. DPDK
 * panics on a bad cookie; here the call refuses the bad objects, keeps the good ones, and
 * logs who did it in the pool header, so a stress run counts every bad put and names the
 * lcore. The state change is a CAS, so two lcores putting one object at once cannot both
 * pass.
 */
export class CookieChecker {
  private readonly mem: Mem;
  /** The objects a put keeps after refusing the bad ones. Grows on demand (debug only). */
  scratch = new Int32Array(64);

  constructor(private readonly mp: MempoolData) {
    this.mem = mp.mem;
  }

  private cookieI(obj: number): number {
    return (obj - HDR_WORDS + H_COOKIE) >> 1;
  }

  private trailerI(obj: number): number {
    return ((obj << 2) + this.mp.elt_size) >> 3;
  }

  /** Mark a fresh object free (populate). */
  init(obj: number): void {
    this.mem.store64(this.cookieI(obj), RTE_MEMPOOL_HEADER_COOKIE2);
    this.mem.store64(this.trailerI(obj), RTE_MEMPOOL_TRAILER_COOKIE);
    this.mem.store(obj - HDR_WORDS + H_LAST_GET, -1);
    this.mem.store(obj - HDR_WORDS + H_LAST_PUT, -1);
  }

  private log(kind: number, obj: number, previous: number): void {
    const k = this.mem.add(this.mp.base + P_DBG, 1);
    if (k >= DBG_RECORDS) return;
    const r = this.mp.base + P_DBG + 1 + k * DBG_WORDS;
    this.mem.store(r, kind);
    this.mem.store(r + 1, obj);
    this.mem.store(r + 2, this.mp.lcore);
    this.mem.store(r + 3, previous);
  }

  /** Check and flip objs to free; returns how many passed, copied into `scratch`. */
  put(objs: Int32Array, n: number, off: number): number {
    if (this.scratch.length < n) this.scratch = new Int32Array(n);
    const mem = this.mem;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const obj = objs[off + i];
      const hdr = obj - HDR_WORDS;
      if (mem.load(hdr + H_POOL) !== this.mp.base) {
        this.log(DBG_WRONG_POOL, obj, mem.load(hdr + H_POOL));
        continue;
      }
      if (mem.load64(this.trailerI(obj)) !== RTE_MEMPOOL_TRAILER_COOKIE) {
        this.log(DBG_BAD_TRAILER, obj, mem.load(hdr + H_LAST_GET));
        continue;
      }
      const found = mem.compareExchange64(this.cookieI(obj), RTE_MEMPOOL_HEADER_COOKIE1, RTE_MEMPOOL_HEADER_COOKIE2);
      if (found !== RTE_MEMPOOL_HEADER_COOKIE1) {
        this.log(found === RTE_MEMPOOL_HEADER_COOKIE2 ? DBG_DOUBLE_PUT : DBG_BAD_COOKIE, obj, mem.load(hdr + H_LAST_PUT));
        continue;
      }
      mem.store(hdr + H_LAST_PUT, this.mp.lcore);
      this.scratch[k++] = obj;
    }
    return k;
  }

  /** Flip objs to allocated; an object that was not free is logged (the caller's oracles see it too). */
  get(objs: Int32Array, n: number, off: number): void {
    const mem = this.mem;
    for (let i = 0; i < n; i++) {
      const obj = objs[off + i];
      const found = mem.compareExchange64(this.cookieI(obj), RTE_MEMPOOL_HEADER_COOKIE2, RTE_MEMPOOL_HEADER_COOKIE1);
      if (found !== RTE_MEMPOOL_HEADER_COOKIE2) this.log(DBG_GET_NOT_FREE, obj, mem.load(obj - HDR_WORDS + H_LAST_GET));
      mem.store(obj - HDR_WORDS + H_LAST_GET, this.mp.lcore);
    }
  }

  /** The header cookie of obj: 'allocated', 'free' or 'corrupt'. */
  state(obj: number): 'allocated' | 'free' | 'corrupt' {
    const c = this.mem.load64(this.cookieI(obj));
    return c === RTE_MEMPOOL_HEADER_COOKIE1 ? 'allocated' : c === RTE_MEMPOOL_HEADER_COOKIE2 ? 'free' : 'corrupt';
  }

  trailerOk(obj: number): boolean {
    return this.mem.load64(this.trailerI(obj)) === RTE_MEMPOOL_TRAILER_COOKIE;
  }

  /** Every logged error: the count, and the first DBG_RECORDS in full. */
  errors(): { count: number; records: CookieError[] } {
    const count = this.mem.load(this.mp.base + P_DBG);
    const records: CookieError[] = [];
    for (let k = 0; k < Math.min(count, DBG_RECORDS); k++) {
      const r = this.mp.base + P_DBG + 1 + k * DBG_WORDS;
      records.push({ kind: DBG_KIND_NAMES[this.mem.load(r)], obj: this.mem.load(r + 1), lcore: this.mem.load(r + 2), previous: this.mem.load(r + 3) });
    }
    return { count, records };
  }
}
