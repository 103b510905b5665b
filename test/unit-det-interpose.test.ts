import { afterEach, describe, expect, it, vi } from 'vitest';
import { AtomicsMem } from '../src/shm/mem.js';
import { inRanges, interposer, runtimeRanges } from '../src/lab/det/interpose.js';

/**
 * The Atomics interposer, in process, call by call: what each Atomics method on each kind of
 * view becomes on the port (test/interpose.test.ts compares the results with the real
 * Atomics; explorations through it are in det-explore and interpose's worker tests).
 */

/** A port that logs each call (`name args`) and can interfere: a write before a CAS, an action on a pause. */
class Rec extends AtomicsMem {
  log: string[] = [];
  beforeCas: (() => void) | undefined;
  onPause: (() => void) | undefined;
  private note(s: string) {
    this.log.push(s);
  }
  override load(i: number) { this.note(`load ${i}`); return super.load(i); }
  override store(i: number, v: number) { this.note(`store ${i} ${v}`); super.store(i, v); }
  override add(i: number, v: number) { this.note(`add ${i} ${v}`); return super.add(i, v); }
  override sub(i: number, v: number) { this.note(`sub ${i} ${v}`); return super.sub(i, v); }
  override and(i: number, v: number) { this.note(`and ${i} ${v}`); return super.and(i, v); }
  override or(i: number, v: number) { this.note(`or ${i} ${v}`); return super.or(i, v); }
  override exchange(i: number, v: number) { this.note(`exchange ${i} ${v}`); return super.exchange(i, v); }
  override compareExchange(i: number, e: number, r: number) {
    this.note(`cas ${i} ${e} ${r}`);
    const f = this.beforeCas;
    this.beforeCas = undefined;
    f?.();
    return super.compareExchange(i, e, r);
  }
  override wait(i: number, e: number, t: number) { this.note(`wait ${i} ${e} ${t}`); return super.wait(i, e, 0); }
  override notify(i: number, c: number) { this.note(`notify ${i} ${c}`); return super.notify(i, c); }
  override load64(i: number) { this.note(`load64 ${i}`); return super.load64(i); }
  override store64(i: number, v: bigint) { this.note(`store64 ${i} ${v}`); super.store64(i, v); }
  override compareExchange64(i: number, e: bigint, r: bigint) {
    this.note(`cas64 ${i} ${e} ${r}`);
    const f = this.beforeCas;
    this.beforeCas = undefined;
    f?.();
    return super.compareExchange64(i, e, r);
  }
  override pause() { this.note('pause'); this.onPause?.(); }
}

const RUNTIME: Array<[number, number]> = [[48, 64]];
const REAL = { load: Atomics.load, store: Atomics.store, wait: Atomics.wait, notify: Atomics.notify, compareExchange: Atomics.compareExchange, xor: Atomics.xor };

/** Runs `f` with the interposer of a fresh 256-byte image installed; the real Atomics back afterwards. */
function under<T>(f: (port: Rec, image: SharedArrayBuffer, ip: ReturnType<typeof interposer>) => T, runtime = RUNTIME): T {
  const image = new SharedArrayBuffer(256);
  const port = new Rec(image);
  const ip = interposer(port, image, runtime);
  ip.install();
  try {
    return f(port, image, ip);
  } finally {
    ip.restore();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
  expect(Atomics.load).toBe(REAL.load);
});

describe('runtimeRanges and inRanges', () => {
  it("takes the runtime's, actors', det's and history's regions as sorted word ranges, a region of under 4 bytes one word", () => {
    const layout = {
      bytes: 4096, used: 4096,
      regions: {
        'ring.slots': { offset: 0, bytes: 64 },
        'history.log': { offset: 512, bytes: 6 },
        'runtime.ctl': { offset: 128, bytes: 32 },
        'det.block': { offset: 1024, bytes: 0 },
        'actors.slots': { offset: 256, bytes: 128 },
        'myruntime.x': { offset: 2048, bytes: 64 },
        'pool.runtime.y': { offset: 3072, bytes: 64 },
      },
    };
    expect(runtimeRanges(layout)).toEqual([[32, 40], [64, 96], [128, 130], [256, 257]]);
  });

  it('holds a word from its start up to, not including, its end', () => {
    const r: Array<[number, number]> = [[4, 6], [10, 11]];
    expect([3, 4, 5, 6, 9, 10, 11].map((w) => inRanges(r, w))).toEqual([false, true, true, false, false, true, false]);
    expect(inRanges([], 0)).toBe(false);
  });
});

describe('Atomics on the image: 32-bit', () => {
  it('turns each method into the port call of its word, Int32 and Uint32 results converted as the real ones', () => {
    under((port, image) => {
      const i32 = new Int32Array(image, 8, 8);
      const u32 = new Uint32Array(image, 8, 8);
      expect(Atomics.store(i32, 1, -1)).toBe(-1);
      expect(Atomics.load(i32, 1)).toBe(-1);
      expect(Atomics.load(u32, 1)).toBe(0xffffffff);
      expect(Atomics.add(u32, 1, 2)).toBe(0xffffffff);
      expect(Atomics.sub(i32, 1, 3)).toBe(1);
      expect(Atomics.and(u32, 1, 0x0f)).toBe(0xfffffffe);
      expect(Atomics.or(i32, 1, 0x80000000)).toBe(14);
      expect(Atomics.exchange(u32, 1, 7)).toBe(0x8000000e);
      expect(Atomics.compareExchange(u32, 1, 7, 0xfffffff0)).toBe(7);
      expect(Atomics.compareExchange(i32, 1, 7, 1)).toBe(-16);
      expect(Atomics.xor(u32, 1, 0xff)).toBe(0xfffffff0);
      expect(port.log).toEqual([
        'store 3 -1', 'load 3', 'pause', 'load 3', 'add 3 2', 'sub 3 3', 'and 3 15', 'or 3 -2147483648', 'exchange 3 7',
        'cas 3 7 -16', 'cas 3 7 1', 'load 3', 'cas 3 -16 -241',
      ]);
      expect(new Int32Array(image)[3]).toBe(-16 ^ 0xff);
    });
  });

  it('stores the integer part of a value and returns it as the real store does (NaN and -0 as 0, a string as its number)', () => {
    under((port, image) => {
      const i32 = new Int32Array(image);
      expect(Atomics.store(i32, 2, 7.9)).toBe(7);
      expect(Atomics.store(i32, 2, -7.9)).toBe(-7);
      expect(Object.is(Atomics.store(i32, 2, -0), 0)).toBe(true);
      expect(Atomics.store(i32, 2, NaN)).toBe(0);
      expect(Atomics.store(i32, 2, '12' as unknown as number)).toBe(12);
      expect(Atomics.store(i32, 2, 2 ** 32 + 5)).toBe(2 ** 32 + 5);
      expect(port.log).toEqual(['store 2 7', 'store 2 -7', 'store 2 0', 'store 2 0', 'store 2 12', 'store 2 5']);
    });
  });

  it('xor is a compare-exchange loop: a CAS that loses to another write loads again', () => {
    under((port, image) => {
      const i32 = new Int32Array(image);
      i32[5] = 0b1100;
      port.beforeCas = () => { i32[5] = 0b0110; };
      expect(Atomics.xor(i32, 5, 0b1010)).toBe(0b0110);
      expect(i32[5]).toBe(0b1100);
      expect(port.log).toEqual(['load 5', 'cas 5 12 6', 'load 5', 'cas 5 6 12']);
    });
  });

  it("takes the element's index from a string index or a view's offset", () => {
    under((port, image) => {
      const i32 = new Int32Array(image, 16);
      Atomics.add(i32, '2' as unknown as number, 1);
      expect(port.log).toEqual(['add 6 1']);
    });
  });
});

describe('Atomics on the image: 8 and 16 bits', () => {
  it('loads a lane from its 32-bit word, signed for Int8 and Int16, and leaves the other lanes alone on a store', () => {
    under((port, image) => {
      const w = new Int32Array(image);
      w[1] = 0x8899aabb | 0;
      const i8 = new Int8Array(image, 4, 4);
      const u8 = new Uint8Array(image, 4, 4);
      const i16 = new Int16Array(image, 4, 2);
      const u16 = new Uint16Array(image, 4, 2);
      expect([0, 1, 2, 3].map((k) => Atomics.load(i8, k))).toEqual([-69, -86, -103, -120]);
      expect([0, 1, 2, 3].map((k) => Atomics.load(u8, k))).toEqual([0xbb, 0xaa, 0x99, 0x88]);
      expect([0, 1].map((k) => Atomics.load(i16, k))).toEqual([0xaabb - 0x10000, 0x8899 - 0x10000]);
      expect([0, 1].map((k) => Atomics.load(u16, k))).toEqual([0xaabb, 0x8899]);
      port.log.length = 0;
      expect(Atomics.store(u8, 2, 0x1ff)).toBe(0x1ff);
      expect(w[1]).toBe(0x88ffaabb | 0);
      expect(Atomics.store(i16, 0, -2)).toBe(-2);
      expect(w[1]).toBe(0x88fffffe | 0);
      expect(port.log).toEqual([`load 1`, `cas 1 ${0x8899aabb | 0} ${0x88ffaabb | 0}`, 'load 1', `cas 1 ${0x88ffaabb | 0} ${0x88fffffe | 0}`]);
    });
  });

  it('wraps a read-modify-write in its lane, returns the old lane value, and retries when the word changed under it', () => {
    under((port, image) => {
      const w = new Int32Array(image);
      const i8 = new Int8Array(image, 8, 8);
      const u16 = new Uint16Array(image, 8, 4);
      w[2] = 0x7f;
      expect(Atomics.add(i8, 0, 1)).toBe(127);
      expect(Atomics.load(i8, 0)).toBe(-128);
      expect(Atomics.sub(u16, 3, 1)).toBe(0);
      expect(w[3]).toBe(0xffff0000 | 0);
      port.log.length = 0;
      port.beforeCas = () => { w[3] = 0x12340000; };
      expect(Atomics.or(u16, 3, 1)).toBe(0x1234);
      expect(w[3]).toBe(0x12350000);
      expect(port.log).toEqual([`load 3`, `cas 3 ${0xffff0000 | 0} ${0xffff0000 | 0}`, 'load 3', `cas 3 ${0x12340000} ${0x12350000}`]);
      expect(Atomics.and(i8, 6, 0)).toBe(0x35);
      expect(Atomics.xor(i8, 4, -1)).toBe(0);
      expect(Atomics.exchange(u16, 2, 0xbeef)).toBe(0xff);
      expect(w[3]).toBe(0x1200beef);
    });
  });

  it('compares a lane with the expected value converted to the lane, and on a mismatch writes nothing', () => {
    under((port, image) => {
      const w = new Int32Array(image);
      const i8 = new Int8Array(image, 8, 4);
      const u16 = new Uint16Array(image, 8, 2);
      w[2] = 0x0000c8c8;
      expect(Atomics.compareExchange(i8, 1, 200, 1)).toBe(-56);
      expect(w[2]).toBe(0x000001c8);
      port.log.length = 0;
      expect(Atomics.compareExchange(i8, 0, 5, 6)).toBe(-56);
      expect(port.log).toEqual(['load 2']);
      expect(Atomics.compareExchange(u16, 1, 0x10000, 9)).toBe(0);
      expect(w[2]).toBe(0x000901c8);
    });
  });
});

describe('Atomics on the image: 64 bits', () => {
  it('turns loads, stores and compare-exchanges into the 64-bit port calls, converting for BigUint64', () => {
    under((port, image) => {
      const q = new BigInt64Array(image, 16, 4);
      const uq = new BigUint64Array(image, 16, 4);
      expect(Atomics.store(uq, 1, 2n ** 64n - 1n)).toBe(2n ** 64n - 1n);
      expect(Atomics.load(q, 1)).toBe(-1n);
      expect(Atomics.load(uq, 1)).toBe(2n ** 64n - 1n);
      expect(Atomics.compareExchange(uq, 1, 2n ** 64n - 1n, 5n)).toBe(2n ** 64n - 1n);
      expect(Atomics.compareExchange(q, 1, 4n, 6n)).toBe(5n);
      expect(port.log).toEqual(['store64 3 -1', 'load64 3', 'load64 3', 'cas64 3 -1 5', 'cas64 3 4 6']);
    });
  });

  it('read-modify-writes by a compare-exchange loop on the 64-bit word, wrapping', () => {
    under((port, image) => {
      const q = new BigInt64Array(image, 16, 4);
      const uq = new BigUint64Array(image, 16, 4);
      q[0] = 2n ** 63n - 1n;
      expect(Atomics.add(q, 0, 1n)).toBe(2n ** 63n - 1n);
      expect(q[0]).toBe(-(2n ** 63n));
      expect(Atomics.sub(uq, 2, 1n)).toBe(0n);
      expect(uq[2]).toBe(2n ** 64n - 1n);
      port.log.length = 0;
      port.beforeCas = () => { q[2] = 8n; };
      expect(Atomics.xor(q, 2, 3n)).toBe(8n);
      expect(q[2]).toBe(11n);
      expect(port.log).toEqual(['load64 4', 'cas64 4 -1 -4', 'load64 4', 'cas64 4 8 11']);
      expect([Atomics.and(q, 2, 2n), Atomics.or(q, 2, 4n), Atomics.exchange(uq, 2, 1n)]).toEqual([11n, 2n, 6n]);
      expect(q[2]).toBe(1n);
    });
  });
});

describe('the spin rule', () => {
  it('pauses before a load that comes back to a word with the value it saw', () => {
    under((port, image) => {
      const i32 = new Int32Array(image);
      Atomics.load(i32, 1);
      Atomics.load(i32, 2);
      Atomics.load(i32, 1);
      expect(port.log).toEqual(['load 1', 'load 2', 'pause', 'load 1']);
    });
  });

  it('does not pause when the value changed, and remembers the new value', () => {
    under((port, image) => {
      const i32 = new Int32Array(image);
      Atomics.load(i32, 1);
      i32[1] = 9;
      Atomics.load(i32, 1);
      Atomics.load(i32, 1);
      expect(port.log).toEqual(['load 1', 'load 1', 'pause', 'load 1']);
    });
  });

  it('forgets its loads at any other call (a store, a read-modify-write, a CAS, a 64-bit load, a notify, a wait)', () => {
    under((port, image) => {
      const i32 = new Int32Array(image);
      const q = new BigInt64Array(image);
      const other = [
        () => Atomics.store(i32, 9, 0), () => Atomics.add(i32, 9, 0), () => Atomics.compareExchange(i32, 9, 1, 1),
        () => Atomics.load(q, 5), () => Atomics.notify(i32, 9, 0), () => Atomics.wait(i32, 9, 1, 0),
      ];
      for (const f of other) {
        Atomics.load(i32, 1);
        f();
        port.log.length = 0;
        Atomics.load(i32, 1);
        expect(port.log).toEqual(['load 1']);
      }
    });
  });

  it('takes a lane load as a load of its word, and remembers eight words: the ninth starts the window again', () => {
    under((port, image) => {
      const i32 = new Int32Array(image);
      const u8 = new Uint8Array(image);
      Atomics.load(u8, 4);
      Atomics.load(u8, 5);
      expect(port.log).toEqual(['load 1', 'pause', 'load 1']);
      Atomics.store(i32, 0, 0);
      port.log.length = 0;
      for (let w = 0; w < 9; w++) Atomics.load(i32, w);
      Atomics.load(i32, 0);
      Atomics.load(i32, 8);
      Atomics.load(i32, 1);
      Atomics.load(i32, 1);
      // The ninth load starts the window again: word 0 and word 1 are forgotten, word 8 is not;
      // word 1 is remembered anew (not in the slot it had before).
      expect(port.log.slice(9)).toEqual(['load 0', 'pause', 'load 8', 'load 1', 'pause', 'load 1']);
    });
  });
});

describe('calls the interposer passes through', () => {
  it("passes the runtime's words, out-of-range and fractional indices straight to the real Atomics", () => {
    under((port, image) => {
      const i32 = new Int32Array(image);
      expect(Atomics.add(i32, 48, 3)).toBe(0);
      expect(Atomics.load(i32, 48)).toBe(3);
      expect(Atomics.store(i32, 63, 1)).toBe(1);
      expect(Atomics.compareExchange(i32, 63, 1, 2)).toBe(1);
      expect(Atomics.xor(i32, 63, 1)).toBe(2);
      expect(Atomics.notify(i32, 63, 1)).toBe(0);
      expect(Atomics.wait(i32, 63, 0, 0)).toBe('not-equal');
      i32[2] = 4;
      expect(Atomics.load(i32, 2.5)).toBe(4);
      expect(Atomics.store(i32, 2.5, 5)).toBe(5);
      expect(Atomics.compareExchange(i32, 2.5, 5, 6)).toBe(5);
      expect(Atomics.add(i32, 2.5, 1)).toBe(6);
      expect(Atomics.notify(i32, 2.5, 1)).toBe(0);
      expect(Atomics.wait(i32, 2.5, 0, 0)).toBe('not-equal');
      expect(() => Atomics.load(i32, 64)).toThrow(RangeError);
      expect(() => Atomics.add(i32, -1, 1)).toThrow(RangeError);
      expect(() => Atomics.store(new Int8Array(image, 4, 4), 4, 1)).toThrow(RangeError);
      expect(() => Atomics.add(new Int32Array(image, 16), -1, 1)).toThrow(RangeError);
      expect(port.log).toEqual([]);
      expect(Atomics.load(i32, 47)).toBe(0);
      expect(port.log).toEqual(['load 47']);
    });
  });

  it("takes the image's word 0 as any other scenario word", () => {
    under((port, image) => {
      const i32 = new Int32Array(image);
      Atomics.add(i32, 0, 1);
      Atomics.store(i32, 0, 2);
      Atomics.compareExchange(i32, 0, 2, 3);
      Atomics.wait(i32, 0, 0, 0);
      Atomics.notify(i32, 0, 1);
      expect(port.log).toEqual(['add 0 1', 'store 0 2', 'cas 0 2 3', 'wait 0 0 0', 'notify 0 1']);
    }, [[32, 64]]);
  });

  it('leaves Float arrays, DataView and non-shared buffers to the real Atomics', () => {
    under((port, image) => {
      expect(() => Atomics.load(new Float64Array(image) as unknown as Int32Array, 0)).toThrow(TypeError);
      expect(() => Atomics.store(new Float32Array(image) as unknown as Int32Array, 0, 1)).toThrow(TypeError);
      expect(() => Atomics.add(new DataView(image) as unknown as Int32Array, 0, 1)).toThrow(TypeError);
      expect(() => Atomics.compareExchange(new Float32Array(image) as unknown as Int32Array, 0, 0, 1)).toThrow(TypeError);
      expect(() => Atomics.wait(new Float64Array(image) as unknown as Int32Array, 0, 0, 0)).toThrow(TypeError);
      expect(() => Atomics.notify(new Float64Array(image) as unknown as Int32Array, 0, 0)).toThrow(TypeError);
      expect(() => Atomics.wait(new Uint32Array(image) as unknown as Int32Array, 0, 0, 0)).toThrow(TypeError);
      const local = new Int32Array(4);
      expect(Atomics.add(local, 1, 5)).toBe(0);
      expect(Atomics.load(local, 1)).toBe(5);
      expect(Atomics.notify(local, 1, 1)).toBe(0);
      expect(() => Atomics.load(3 as unknown as Int32Array, 0)).toThrow(TypeError);
      expect(port.log).toEqual([]);
    });
  });

  it('takes a pause before each call on another SharedArrayBuffer, then runs it as it is', () => {
    under((port) => {
      const other = new SharedArrayBuffer(64);
      const i32 = new Int32Array(other);
      const u8 = new Uint8Array(other);
      const q = new BigUint64Array(other);
      const got = [
        Atomics.store(i32, 1, 5), Atomics.add(i32, 1, 2), Atomics.sub(u8, 0, 1), Atomics.xor(i32, 1, 1), Atomics.load(i32, 1),
        Atomics.compareExchange(i32, 1, 6, 8), Atomics.exchange(q, 3, 2n ** 64n - 1n), Atomics.load(q, 3), Atomics.notify(i32, 1, 1),
      ];
      expect(got).toEqual([5, 5, 0, 7, 6, 6, 0n, 2n ** 64n - 1n, 0]);
      expect(u8[0]).toBe(255);
      expect(port.log).toEqual(Array(9).fill('pause'));
      port.log.length = 0;
      Atomics.load(i32, 1);
      Atomics.load(i32, 1);
      expect(port.log).toEqual(['pause', 'pause']);
    });
  });

  it("lets the port's own Atomics calls through (no scheduling point inside a port call)", () => {
    const image = new SharedArrayBuffer(64);
    const inner: string[] = [];
    class Nested extends Rec {
      override load(i: number) {
        inner.push(String(REAL.load(new Int32Array(image), 0)));
        Atomics.store(new Int32Array(image), 0, 7);
        return super.load(i);
      }
    }
    const port = new Nested(image);
    const ip = interposer(port, image, []);
    ip.install();
    try {
      expect(Atomics.load(new Int32Array(image), 0)).toBe(7);
      expect(ip.mem.load(0)).toBe(7);
    } finally {
      ip.restore();
    }
    expect(port.log).toEqual(['load 0', 'load 0']);
  });
});

describe('wait and notify', () => {
  it("turns a wait on an image word into the port's wait, the timeout Infinity when absent or NaN", () => {
    under((port, image) => {
      const i32 = new Int32Array(image);
      i32[3] = 1;
      expect(Atomics.wait(i32, 3, 0)).toBe('not-equal');
      expect(Atomics.wait(i32, 3, 1.9, NaN)).toBe('timed-out');
      expect(Atomics.wait(i32, 3, 1, 25)).toBe('timed-out');
      expect(port.log).toEqual(['wait 3 0 Infinity', 'wait 3 1 Infinity', 'wait 3 1 25']);
    });
  });

  it('polls a 64-bit wait, and a wait on another buffer, one pause a look', () => {
    under((port, image) => {
      const q = new BigInt64Array(image, 8, 2);
      q[1] = 4n;
      expect(Atomics.wait(q, 1, 3n, 0)).toBe('not-equal');
      expect(Atomics.wait(q, 1, 4n, 10)).toBe('timed-out');
      expect(port.log).toEqual(['load64 2', 'load64 2', 'pause', 'load64 2']);
      port.log.length = 0;
      let looks = 0;
      port.onPause = () => { if (++looks === 3) q[1] = 5n; };
      expect(Atomics.wait(q, 1, 4n)).toBe('ok');
      expect(port.log).toEqual(['load64 2', 'pause', 'load64 2', 'pause', 'load64 2', 'pause', 'load64 2']);

      const other = new Int32Array(new SharedArrayBuffer(16));
      other[2] = -1;
      port.log.length = 0;
      port.onPause = undefined;
      expect(Atomics.wait(other, 2, 0xffffffff, 0)).toBe('timed-out');
      expect(Atomics.wait(other, 2, 0, 0)).toBe('not-equal');
      expect(port.log).toEqual(['pause', 'pause', 'pause', 'pause']);
      looks = 0;
      port.onPause = () => { if (++looks === 4) other[2] = 0; };
      expect(Atomics.wait(other, 2, -1, Infinity)).toBe('ok');
    });
  });

  it('turns a notify on an image word into the port notify with its count (all when absent, none when negative)', () => {
    under((port, image) => {
      const i32 = new Int32Array(image);
      const q = new BigInt64Array(image);
      expect([Atomics.notify(i32, 4), Atomics.notify(i32, 4, -3), Atomics.notify(i32, 4, 2.5), Atomics.notify(i32, 4, '1' as unknown as number)]).toEqual([0, 0, 0, 0]);
      expect(Atomics.notify(q, 1, 1)).toBe(0);
      expect(port.log).toEqual(['notify 4 Infinity', 'notify 4 0', 'notify 4 2.5', 'notify 4 1']);
    });
  });
});

describe('the interposer object', () => {
  it('replaces the methods of the Atomics object in place on install, and restore puts the real ones back', () => {
    const image = new SharedArrayBuffer(64);
    const ip = interposer(new Rec(image), image, []);
    const names = ['load', 'store', 'add', 'sub', 'and', 'or', 'xor', 'exchange', 'compareExchange', 'wait', 'notify'] as const;
    const before = names.map((k) => Atomics[k]);
    ip.install();
    const during = names.map((k) => Atomics[k]);
    ip.restore();
    expect(during.every((f, k) => f !== before[k])).toBe(true);
    expect(names.map((k) => Atomics[k])).toEqual(before);
    expect(Atomics.isLockFree).toBe(Atomics.isLockFree);
  });

  it("measures the longest stretch between two port calls, from install on, not counting time inside a call", () => {
    let now = 1000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    under((port, image, ip) => {
      const i32 = new Int32Array(image);
      expect(ip.longestGapMs()).toBe(0);
      now += 30;
      port.onPause = () => { now += 500; };
      Atomics.load(i32, 1);
      expect(ip.longestGapMs()).toBe(30);
      now += 10;
      Atomics.load(i32, 1);
      expect(ip.longestGapMs()).toBe(30);
      now += 45;
      ip.mem.store(1, 0);
      expect(ip.longestGapMs()).toBe(45);
      now += 40;
      ip.mem.pause();
      expect(ip.longestGapMs()).toBe(45);
    });
  });

  it("gives ActorContext a port whose every method is the bound port's, same arguments and result", () => {
    const image = new SharedArrayBuffer(64);
    const port = new Rec(image);
    const calls: string[] = [];
    const extra = {
      waitFlagged: (...a: unknown[]) => (calls.push(`waitFlagged ${a.join(' ')}`), 'not-equal' as const),
      wakeFlagged: (...a: unknown[]) => void calls.push(`wakeFlagged ${a.join(' ')}`),
      read: (i: number) => (calls.push(`read ${i}`), 41),
      write: (...a: unknown[]) => void calls.push(`write ${a.join(' ')}`),
      writeBlock: (...a: unknown[]) => void calls.push(`writeBlock ${a.slice(2).join(' ')}`),
      readBlock: (...a: unknown[]) => void calls.push(`readBlock ${a.slice(2).join(' ')}`),
    };
    Object.assign(port, extra);
    const ip = interposer(port, image, []);
    const { mem } = ip;
    expect([mem.i32, mem.u8, mem.i64]).toEqual([port.i32, port.u8, port.i64]);
    expect(mem.i32).toBe(port.i32);
    expect(mem.u8).toBe(port.u8);
    expect(mem.i64).toBe(port.i64);
    const buf = new Int32Array(2);
    const got = [
      mem.store(1, 10), mem.load(1), mem.add(1, 2), mem.sub(1, 1), mem.and(1, 6), mem.or(1, 1), mem.exchange(1, 3), mem.compareExchange(1, 3, 4),
      mem.wait(1, 0, 5), mem.notify(1, 2), mem.waitFlagged(1, 2, 3, 4), mem.wakeFlagged(1, 2), mem.read(1), mem.write(1, 2), mem.writeBlock(1, buf, 0, 2),
      mem.readBlock(1, buf, 1, 1), mem.store64(1, 9n), mem.load64(1), mem.compareExchange64(1, 9n, 8n), mem.pause(),
    ];
    expect(got).toEqual([undefined, 10, 10, 12, 11, 2, 3, 3, 'not-equal', 0, 'not-equal', undefined, 41, undefined, undefined, undefined, undefined, 9n, 9n, undefined]);
    expect(port.log).toEqual([
      'store 1 10', 'load 1', 'add 1 2', 'sub 1 1', 'and 1 6', 'or 1 1', 'exchange 1 3', 'cas 1 3 4', 'wait 1 0 5', 'notify 1 2',
      'store64 1 9', 'load64 1', 'cas64 1 9 8', 'pause',
    ]);
    expect(calls).toEqual(['waitFlagged 1 2 3 4', 'wakeFlagged 1 2', 'read 1', 'write 1 2', 'writeBlock 0 2', 'readBlock 1 1']);
    // Each call left the port: the scenario's Atomics are scheduling points again.
    ip.install();
    try {
      Atomics.add(new Int32Array(image), 2, 1);
    } finally {
      ip.restore();
    }
    expect(port.log.at(-1)).toBe('add 2 1');
  });
});
