import { AtomicsMem } from '../../../src/shm/mem.js';

/**
 * A Mem port that bounds every call in time: each plain or atomic read counts against a
 * budget, and a call that spends it (a segment walk that never ends) throws instead of
 * hanging the test process. Reset the budget before each call under test.
 */
export class BudgetMem extends AtomicsMem {
  private left = 0;

  constructor(
    sab: SharedArrayBuffer,
    readonly budget = 100_000,
  ) {
    super(sab);
    this.left = budget;
  }

  reset(): void {
    this.left = this.budget;
  }

  private spend(): void {
    if (--this.left < 0) throw new Error(`call made more than ${this.budget} reads: it does not terminate`);
  }

  override read(i: number): number {
    this.spend();
    return super.read(i);
  }

  override load(i: number): number {
    this.spend();
    return super.load(i);
  }
}
