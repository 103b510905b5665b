/** Whether n is a positive power of two. */
export function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** Smallest power of two >= n (DPDK's rte_align32pow2). */
export function align32pow2(n: number): number {
  if (n <= 1) return 1;
  return 2 ** (32 - Math.clz32(n - 1));
}
