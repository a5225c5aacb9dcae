/**
 * Where the symbolic values live while a pickle runs: the stack (with its MARKs) and the memo, with the
 * same boundary rules as CPython's unpickler so that what it rejects is seen as rejected.
 */
import type { Value } from './values.js';

/**
 * The stack and its MARKs. Opcodes only see the values above the last MARK (CPython's "fence"); popping
 * past it is an underflow the loader raises on. The array never shrinks (truncation moves `length`), so
 * a batch of 1000 items pushed and cleared per APPENDS costs no reallocation — the hot path of
 * opcode-dense pickles.
 */
export class PickleStack {
  private items: Value[] = [];
  private marks: number[] = [];
  length = 0;

  push(value: Value): void {
    this.items[this.length++] = value;
  }

  /** Index below which opcodes cannot reach (the last MARK). */
  get fence(): number {
    return this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
  }

  /** The top value above the fence, removed; undefined on underflow. */
  pop(): Value | undefined {
    return this.length > this.fence ? this.items[--this.length] : undefined;
  }

  /** The top value above the fence; undefined when there is none. */
  peek(): Value | undefined {
    return this.length > this.fence ? this.items[this.length - 1] : undefined;
  }

  at(index: number): Value {
    return this.items[index]!;
  }

  truncate(length: number): void {
    this.length = length;
  }

  slice(from: number, to: number): Value[] {
    return this.items.slice(from, Math.min(to, this.length));
  }

  mark(): void {
    this.marks.push(this.length);
  }

  /** Removes the last MARK; the items above it start at the returned index. Undefined: no MARK. */
  popMark(): number | undefined {
    return this.marks.pop();
  }

  /** POP: drops the top value or, with nothing above the last MARK, that MARK (CPython `load_pop`). */
  discard(): boolean {
    if (this.marks.length > 0 && this.marks[this.marks.length - 1] === this.length) {
      this.marks.pop();
      return true;
    }
    return this.pop() !== undefined;
  }

  copy(): PickleStack {
    const out = new PickleStack();
    out.items = this.items.slice(0, this.length);
    out.marks = this.marks.slice();
    out.length = this.length;
    return out;
  }
}

/** The memo: a Map, optionally layered over a parent's (alternative readings share it without copying). */
export class Memo {
  private readonly own = new Map<number, Value>();
  constructor(
    private readonly parent?: Memo,
    private readonly parentSize = parent?.size ?? 0,
  ) {}

  get size(): number {
    return this.parentSize + this.own.size;
  }

  get(key: number): Value | undefined {
    return this.own.get(key) ?? this.parent?.get(key);
  }

  set(key: number, value: Value): void {
    this.own.set(key, value);
  }

  /** Entries held by this layer (what counts against the memo limit). */
  get ownSize(): number {
    return this.own.size;
  }
}
