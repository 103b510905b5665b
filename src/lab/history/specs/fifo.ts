/**
 * A FIFO's contents by absolute position, with a hash of them kept as it changes, so a state
 * key costs O(1): positions are fixed by how many operations took effect, so two states
 * with the same linearized set and the same hash hold the same sequence (two 26-bit
 * polynomial hashes of item + 1, so every push and shift moves them; products stay below
 * 2^53, and the key, both hashes in one whole number, below 2^52).
 */
const P1 = 67108859;
const P2 = 67108837;
const B1 = 1000003;
const B2 = 999983;

export class Fifo {
  readonly items: number[] = [];
  head = 0;
  tail = 0;
  private h1 = 0;
  private h2 = 0;
  private readonly pw1: number[] = [1];
  private readonly pw2: number[] = [1];

  get size(): number {
    return this.tail - this.head;
  }

  private pow(pos: number): void {
    while (this.pw1.length <= pos) {
      this.pw1.push((this.pw1[this.pw1.length - 1] * B1) % P1);
      this.pw2.push((this.pw2[this.pw2.length - 1] * B2) % P2);
    }
  }

  private mix(pos: number, v: number, sign: number): void {
    this.pow(pos);
    const a = (((v + 1) % P1) + P1) % P1;
    const b = (((v + 1) % P2) + P2) % P2;
    this.h1 = (((this.h1 + sign * ((a * this.pw1[pos]) % P1)) % P1) + P1) % P1;
    this.h2 = (((this.h2 + sign * ((b * this.pw2[pos]) % P2)) % P2) + P2) % P2;
  }

  push(v: number): void {
    this.items[this.tail] = v;
    this.mix(this.tail++, v, 1);
  }

  /** Take back the last push. */
  unpush(): void {
    this.mix(--this.tail, this.items[this.tail], -1);
  }

  /** The item `k` places from the front. */
  at(k: number): number {
    return this.items[this.head + k];
  }

  shift(): void {
    this.mix(this.head, this.items[this.head++], -1);
  }

  /** Take back the last shift. */
  unshift(): void {
    this.mix(--this.head, this.items[this.head], 1);
  }

  /** The contents' hash: the positions come with the linearized set it is paired with. */
  key(): number {
    return this.h1 * 2 ** 26 + this.h2;
  }

  /** The oldest n items, as '[a b c]'. */
  front(n: number): string {
    return `[${this.items.slice(this.head, this.head + n).join(' ')}]`;
  }

  show(limit = 12): string {
    const n = this.size;
    const shown = this.items.slice(this.head, this.head + Math.min(n, limit)).join(' ');
    return `[${shown}${n > limit ? ` ... (${n} in all)` : ''}]`;
  }
}
