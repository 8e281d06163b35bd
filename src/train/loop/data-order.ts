/**
 * Where the run is in its data: `position` examples taken so far, over epochs that each visit
 * every example once in their own seeded order. A batch that runs past an epoch's end continues
 * in the next epoch's order. The position is all a checkpoint needs to continue the same order.
 */
import { epochOrder } from "./random.js";

export class DataCursor {
  private orderEpoch = -1;
  private order: Uint32Array = new Uint32Array(0);

  constructor(
    private readonly seed: number,
    readonly count: number,
    /** Examples taken so far. */
    public position = 0,
  ) {}

  /** The epoch (0-based) the next example belongs to. */
  get epoch(): number {
    return Math.floor(this.position / this.count);
  }

  /** The data-set indices of the next `n` examples; advances the position. */
  take(n: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const epoch = this.epoch;
      if (epoch !== this.orderEpoch) {
        this.order = epochOrder(this.seed, epoch, this.count);
        this.orderEpoch = epoch;
      }
      out.push(this.order[this.position % this.count] as number);
      this.position++;
    }
    return out;
  }
}
