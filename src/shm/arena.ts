import { MemraceError } from '../errors.js';

/** Bytes in a cache line; every region starts on one so that actors never share a line by accident. */
/** The largest image: word indexes are 32-bit, and V8 caps one SharedArrayBuffer near here. */
export const ARENA_MAX_BYTES = 2 ** 31;

export const CACHE_LINE = 64;
/** 32-bit words in a cache line. */
export const LINE_WORDS = CACHE_LINE / 4;

/** Where a named region lives, in bytes from the start of the arena. Plain numbers only. */
export interface RegionSpec {
  offset: number;
  bytes: number;
}

/**
 * Everything a worker needs, besides the buffer itself, to re-attach to an arena: the
 * regions by name. It crosses `postMessage` as plain data.
 */
export interface ArenaLayout {
  bytes: number;
  used: number;
  regions: Record<string, RegionSpec>;
}

/**
 * One machine image: a single `SharedArrayBuffer` carved into named, cache-line aligned
 * regions by a bump allocator. Regions are never freed; an image lives as long as a run.
 *
 * Structures address memory by 32-bit word index into `i32` (byte offset / 4), which is
 * what the Mem port takes; `u8` views the same bytes for frame and packet contents, and
 * `i64` the same memory as 64-bit words (index = byte offset / 8) for the rings' 64-bit
 * head/tail pairs.
 */
export class Arena {
  readonly sab: SharedArrayBuffer;
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly i64: BigInt64Array;
  private readonly regions: Record<string, RegionSpec>;
  private used: number;

  private constructor(sab: SharedArrayBuffer, regions: Record<string, RegionSpec>, used: number) {
    this.sab = sab;
    this.i32 = new Int32Array(sab);
    this.u8 = new Uint8Array(sab);
    this.i64 = new BigInt64Array(sab);
    this.regions = regions;
    this.used = used;
  }

  /** A fresh, zeroed image of `bytes` (rounded up to a cache line). Untouched pages cost no RAM. */
  static create(bytes: number): Arena {
    if (!Number.isInteger(bytes) || bytes <= 0 || bytes > ARENA_MAX_BYTES) {
      throw new MemraceError('E_LAYOUT', `arena size ${bytes} bytes is not an integer in 1..2^31`);
    }
    // The first line is never handed out: word 0 can then stand for NULL in any structure.
    const rounded = Math.ceil(bytes / CACHE_LINE) * CACHE_LINE + CACHE_LINE;
    return new Arena(new SharedArrayBuffer(rounded), {}, CACHE_LINE);
  }

  /** Re-attach in a worker to an arena created elsewhere. */
  static attach(sab: SharedArrayBuffer, layout: ArenaLayout): Arena {
    if (sab.byteLength !== layout.bytes) {
      throw new MemraceError('E_LAYOUT', `buffer of ${sab.byteLength} bytes does not match layout of ${layout.bytes}`);
    }
    return new Arena(sab, { ...layout.regions }, layout.used);
  }

  get bytes(): number {
    return this.sab.byteLength;
  }

  /** Carve a zeroed region; returns its byte offset. `align` must be a power of two >= 4. */
  alloc(name: string, bytes: number, align: number = CACHE_LINE): number {
    if (this.regions[name]) throw new MemraceError('E_LAYOUT', `region '${name}' already exists`);
    if (!Number.isInteger(bytes) || bytes < 0) throw new MemraceError('E_LAYOUT', `region '${name}': size ${bytes} is not a byte count`);
    const offset = Math.ceil(this.used / align) * align;
    const end = offset + Math.ceil(bytes / CACHE_LINE) * CACHE_LINE;
    if (end > this.sab.byteLength) {
      throw new MemraceError(
        'E_LAYOUT',
        `region '${name}' needs ${bytes} bytes but the image has ${this.sab.byteLength - offset} left of ${this.sab.byteLength}: give the machine more memory`,
      );
    }
    this.regions[name] = { offset, bytes };
    this.used = end;
    return offset;
  }

  /** Carve a region of `words` 32-bit words; returns the word index of its start. */
  allocWords(name: string, words: number, align: number = CACHE_LINE): number {
    return this.alloc(name, words * 4, align) >> 2;
  }

  region(name: string): RegionSpec {
    const r = this.regions[name];
    if (!r) throw new MemraceError('E_LAYOUT', `no region '${name}' in this image (have: ${Object.keys(this.regions).join(', ') || 'none'})`);
    return r;
  }

  has(name: string): boolean {
    return name in this.regions;
  }

  /** Word index of the start of a region. */
  word(name: string): number {
    return this.region(name).offset >> 2;
  }

  layout(): ArenaLayout {
    return { bytes: this.sab.byteLength, used: this.used, regions: { ...this.regions } };
  }

  /** The region a word index falls in, with the word's offset: 'ring:r0+3'. For traces, not hot paths. */
  nameOf(wordIndex: number): string {
    const byte = wordIndex * 4;
    for (const [name, r] of Object.entries(this.regions)) {
      if (byte >= r.offset && byte < r.offset + Math.max(r.bytes, 4)) return `${name}+${(byte - r.offset) >> 2}`;
    }
    return `@${wordIndex}`;
  }
}
