/**
 * One expansion budget for a whole tree of nested containers. Per-container limits alone let 42.zip
 * through (16 members per level, five levels: a million 4 GiB leaves, each within every limit), so the
 * archive analyzers charge members and decompressed bytes to the budget of the outermost container.
 * Member sources carry their parent's budget through a WeakMap, so nothing in the engine changes.
 */
import { LimitExceededError } from '../engine-rules.js';
import type { AnalyzerLimits } from '../limits.js';
import type { ByteSource } from '../source.js';

export class ExpansionBudget {
  private bytesLeft: number;
  private membersLeft: number;
  constructor(private readonly limits: AnalyzerLimits) {
    this.bytesLeft = limits.maxExpandedBytes;
    this.membersLeft = limits.maxMembers;
  }

  /** Decompressed bytes produced; throws when the tree has expanded past `maxExpandedBytes`. */
  chargeBytes(n: number): void {
    this.bytesLeft -= n;
    if (this.bytesLeft < 0)
      throw new LimitExceededError(
        'decompressed bytes across nested archives',
        this.limits.maxExpandedBytes - this.bytesLeft,
        this.limits.maxExpandedBytes,
      );
  }

  /** Decompressed bytes the tree may still produce. */
  get bytesRemaining(): number {
    return Math.max(0, this.bytesLeft);
  }

  /** True once decompressed output went past the limit (members after that are not opened). */
  get bytesExhausted(): boolean {
    return this.bytesLeft < 0;
  }

  /** Counts one member; false once the tree holds more than `maxMembers`. */
  takeMember(): boolean {
    this.membersLeft--;
    return this.membersLeft >= 0;
  }
}

const BUDGETS = new WeakMap<ByteSource, ExpansionBudget>();

/** The budget a container's bytes belong to (a new one for a top-level file). */
export function budgetFor(source: ByteSource, limits: AnalyzerLimits): ExpansionBudget {
  let budget = BUDGETS.get(source);
  if (!budget) {
    budget = new ExpansionBudget(limits);
    BUDGETS.set(source, budget);
  }
  return budget;
}

/** Marks a member source as part of its container's tree. */
export function inherit<T extends ByteSource>(member: T, budget: ExpansionBudget): T {
  BUDGETS.set(member, budget);
  return member;
}

/** A source standing in for `member` (the engine's replay of a forward-only one) keeps its budget. */
export function sameBudget<T extends ByteSource>(member: ByteSource, standIn: T): T {
  const budget = BUDGETS.get(member);
  if (budget) BUDGETS.set(standIn, budget);
  return standIn;
}

/** Passes chunks through, charging each to the budget. */
export async function* metered(chunks: AsyncIterable<Uint8Array>, budget: ExpansionBudget): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    budget.chargeBytes(chunk.length);
    yield chunk;
  }
}
