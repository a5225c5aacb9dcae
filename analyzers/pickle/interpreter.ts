/**
 * Symbolic pickle VM: runs the opcodes the decoder produces against a stack and memo of symbolic values
 * (values.ts), the way CPython's `_Unpickler` would, without importing or calling anything. It records
 * every imported global however its name was built (memo round trips, DUP, any string opcode, a
 * `str()` call), every call actually made (REDUCE, INST, OBJ, NEWOBJ, NEWOBJ_EX, and what allowed
 * callables call in turn: calls.ts), BUILD/SETITEM/APPEND on imported objects or on results it cannot
 * vouch for, and everything that would make the loader
 * raise (bad memo keys, type-confused operands, stack underflow) — as observations, never exceptions.
 */
import { persistentLoadResult } from './calls.js';
import type { DecodedOpcode } from './decoder.js';
import type { InlineArrayLayout } from './joblib.js';
import type { Observations } from './observations.js';
import { HIGHEST_PROTOCOL, INTRODUCED_IN, Op, opcodeName } from './opcodes.js';
import { isValidDottedName } from './names.js';
import { MAX_TUPLE_ITEMS, nameOperand, type Retention } from './retention.js';
import { LITERAL_OPCODES, literalValue, memoKeyLine, utf8Text } from './text.js';
import * as V from './values.js';
import { K, type Value } from './values.js';
import { VmEffects } from './vm-effects.js';
import { Memo, PickleStack } from './vm-state.js';

export interface InterpreterLimits {
  readonly maxOpcodes: number;
  readonly maxStack: number;
  readonly maxMemo: number;
}

/** What the interpreter needs from the stream driving it. */
export interface InterpreterHost {
  /** STOP of a top-level pickle (not of a joblib object-array pickle nested in it). */
  pickleEnd(end: number, result: Value | undefined): void;
  /** A joblib `NumpyArrayWrapper` was built; its data follows at `end` (layout, or why it is unknown). */
  inlineArray(end: number, layout: InlineArrayLayout | string): void;
  /** A limit was hit: stop this reading. */
  abort(): void;
  /** The loader would raise here (only called with `stopOnInvalid`). */
  rejected(offset: number, reason: string): void;
}

export interface InterpreterOptions {
  /** Report operations the loader would reject (off for speculative readings). */
  readonly reportInvalid: boolean;
  /**
   * Stop at the first operation the loader would reject, as the loader does. Speculative readings
   * (alternatives, pickles found in junk) use it: random bytes break the VM's rules within a few opcodes.
   */
  readonly stopOnInvalid?: boolean;
  /** Label of a non-linear reading, kept with what it finds. */
  readonly via?: string;
}

/** Opcodes that push the same atom every time: no allocation, and a fast path for dense pickles. */
const CONSTANT_PUSH: Array<Value | undefined> = new Array<Value | undefined>(256).fill(undefined);
for (const [code, value] of [
  [Op.BINFLOAT, V.FLOAT],
  [Op.NONE, V.NONE],
  [Op.NEWTRUE, V.TRUE],
  [Op.NEWFALSE, V.FALSE],
  [Op.BINBYTES, V.BYTES],
  [Op.SHORT_BINBYTES, V.BYTES],
  [Op.BINBYTES8, V.BYTES],
  [Op.BYTEARRAY8, V.BYTEARRAY],
] as const)
  CONSTANT_PUSH[code] = value;

/** A memo key the scanner could not read whole (see `memoKey`). */
const UNKNOWN_KEY = -2;

/** Containers remember the globals and calls put into them (hooks called later); atoms are skipped inline, the hot path. */
function holdIfRunnable(keep: Retention, container: Value, value: Value): void {
  if (typeof value === 'object' && value.k !== K.Atom) keep.hold(container, value);
}

interface SavedContext {
  stack: PickleStack;
  memo: Memo;
  proto: number;
}

export class PickleInterpreter {
  private stack = new PickleStack();
  private memo: Memo;
  /** Protocol in force (PROTO sets it; compatibility renames apply below 3). */
  proto = 0;
  /** Newest opcode protocol a pickler would write here (protocols 0 and 1 have no PROTO opcode). */
  private protocolCeiling = 1;
  private opcodesInPickle = 0;
  /** `opcodesInPickle` when the current (possibly nested) pickle began. */
  private pickleStartedAt = 0;
  private protoSeen = false;
  /** Saved outer state while a joblib object-array pickle is being read. */
  private outer: SavedContext | undefined;
  /** Calls and state: what runs, what is given state (vm-effects.ts). */
  private readonly effects: VmEffects;

  constructor(
    private readonly obs: Observations,
    private readonly limits: InterpreterLimits,
    private readonly host: InterpreterHost,
    private readonly options: InterpreterOptions,
    memo?: Memo,
  ) {
    this.memo = memo ?? new Memo();
    this.effects = new VmEffects(obs, options.via, {
      imported: (module, name, op) => this.imported(module, name, op),
      unresolved: (op, reason) => this.unresolved(op, reason),
      invalid: (op, what) => this.invalid(op, what),
      inlineArray: (end, layout) => host.inlineArray(end, layout),
    });
  }

  /** A copy of this state for an alternative reading from here on (stack copied, memo layered). */
  fork(obs: Observations, host: InterpreterHost, options: InterpreterOptions): PickleInterpreter {
    const copy = new PickleInterpreter(obs, this.limits, host, options, new Memo(this.memo));
    copy.stack = this.stack.copy();
    copy.setProtocol(this.proto);
    copy.protoSeen = this.protoSeen;
    copy.opcodesInPickle = this.opcodesInPickle;
    copy.pickleStartedAt = this.pickleStartedAt;
    return copy;
  }

  /** Start the next pickle of a stream: a fresh `Unpickler.load` (new memo, protocol 0). */
  startPickle(): void {
    this.stack = new PickleStack();
    this.memo = new Memo();
    this.setProtocol(0);
    this.protoSeen = false;
    this.opcodesInPickle = 0;
    this.pickleStartedAt = 0;
    this.outer = undefined;
  }

  /** joblib object arrays: the next bytes are a complete pickle read by a separate `pickle.load`. */
  beginNestedPickle(): void {
    this.outer = { stack: this.stack, memo: this.memo, proto: this.proto };
    this.stack = new PickleStack();
    this.memo = new Memo();
    this.setProtocol(0);
    this.protoSeen = false;
    this.pickleStartedAt = this.opcodesInPickle;
  }

  get stackDepth(): number {
    return this.stack.length;
  }

  get memoSize(): number {
    return this.memo.ownSize;
  }

  opcode(op: DecodedOpcode): void {
    if (++this.opcodesInPickle > this.limits.maxOpcodes)
      return this.limit(op.offset, `more than ${this.limits.maxOpcodes} opcodes in one pickle`);
    const stack = this.stack;
    if (INTRODUCED_IN[op.code]! > this.protocolCeiling) this.newerOpcode(op);
    const constant = CONSTANT_PUSH[op.code];
    if (constant !== undefined) stack.push(constant);
    else if (LITERAL_OPCODES.has(op.code)) stack.push(this.literal(literalValue(op, this.obs.retention), op));
    else this.dispatch(op, stack);
    if (stack.length > this.limits.maxStack) this.limit(op.offset, `stack deeper than ${this.limits.maxStack} entries`);
  }

  private dispatch(op: DecodedOpcode, stack: PickleStack): void {
    const keep = this.obs.retention;
    switch (op.code) {
      case Op.MARK:
        stack.mark();
        break;
      case Op.APPENDS:
      case Op.ADDITEMS: {
        const at = this.popMark(op);
        const target = at > stack.fence ? stack.at(at - 1) : V.UNKNOWN;
        for (let i = at; i < stack.length; i++) holdIfRunnable(keep, target, stack.at(i));
        keep.listItems(target, (n) => stack.slice(at, at + n));
        stack.truncate(at);
        this.effects.updateContainer(this.top(op), op);
        break;
      }
      case Op.SETITEMS: {
        const at = this.popMark(op);
        const target = at > stack.fence ? stack.at(at - 1) : V.UNKNOWN;
        const isDict = typeof target === 'object' && target.k === K.Dict;
        for (let i = at; i + 1 < stack.length; i += 2) {
          if (isDict) keep.setEntry(target, stack.at(i), stack.at(i + 1));
          holdIfRunnable(keep, target, stack.at(i + 1));
        }
        stack.truncate(at);
        this.effects.updateContainer(this.top(op), op);
        break;
      }
      case Op.APPEND: {
        const value = this.pop(op);
        keep.hold(this.top(op), value);
        keep.listItems(this.top(op), () => [value]);
        this.effects.updateContainer(this.top(op), op);
        break;
      }
      case Op.SETITEM: {
        const value = this.pop(op);
        const key = this.pop(op);
        const target = this.top(op);
        if (typeof target === 'object' && target.k === K.Dict) keep.setEntry(target, key, value);
        keep.hold(target, value);
        this.effects.updateContainer(target, op);
        break;
      }
      case Op.NEXT_BUFFER:
        this.invalid(op, 'refers to an out-of-band buffer, which model loaders never supply');
        stack.push(V.BUFFER);
        break;
      case Op.READONLY_BUFFER:
        this.top(op);
        break;
      case Op.EMPTY_LIST:
        stack.push({ k: K.List });
        break;
      case Op.LIST: {
        const at = this.popMark(op);
        const list: V.ContainerValue = { k: K.List };
        for (let i = at; i < stack.length; i++) holdIfRunnable(keep, list, stack.at(i));
        keep.listItems(list, (n) => stack.slice(at, at + n));
        stack.truncate(at);
        stack.push(list);
        break;
      }
      case Op.EMPTY_DICT:
        stack.push({ k: K.Dict, entries: undefined });
        break;
      case Op.DICT: {
        const at = this.popMark(op);
        const dict: V.DictValue = { k: K.Dict, entries: undefined };
        for (let i = at; i + 1 < stack.length; i += 2) {
          keep.setEntry(dict, stack.at(i), stack.at(i + 1));
          holdIfRunnable(keep, dict, stack.at(i + 1));
        }
        stack.truncate(at);
        stack.push(dict);
        break;
      }
      case Op.EMPTY_SET:
        stack.push({ k: K.Set });
        break;
      case Op.FROZENSET:
        stack.truncate(this.popMark(op));
        stack.push(V.FROZENSET);
        break;
      case Op.EMPTY_TUPLE:
        stack.push(keep.tuple([]));
        break;
      case Op.TUPLE: {
        const at = this.popMark(op);
        const tuple = keep.tuple(stack.slice(at, at + MAX_TUPLE_ITEMS + 1), stack.length - at);
        stack.truncate(at);
        stack.push(tuple);
        break;
      }
      case Op.TUPLE1:
      case Op.TUPLE2:
      case Op.TUPLE3: {
        const n = op.code - Op.TUPLE1 + 1;
        const items: Value[] = new Array<Value>(n);
        for (let i = n - 1; i >= 0; i--) items[i] = this.pop(op);
        stack.push(keep.tuple(items));
        break;
      }
      case Op.POP:
        if (!stack.discard()) this.invalid(op, 'pops from an empty stack');
        break;
      case Op.POP_MARK:
        stack.truncate(this.popMark(op));
        break;
      case Op.DUP:
        stack.push(this.top(op));
        break;
      case Op.GET:
        this.get(this.memoKey(op), op);
        break;
      case Op.BINGET:
      case Op.LONG_BINGET:
        this.get(op.arg, op);
        break;
      case Op.PUT:
        this.put(this.memoKey(op), op);
        break;
      case Op.BINPUT:
      case Op.LONG_BINPUT:
        this.put(op.arg, op);
        break;
      case Op.MEMOIZE:
        this.put(this.memo.size, op);
        break;
      case Op.GLOBAL:
        stack.push(this.globalFromLines(op));
        break;
      case Op.STACK_GLOBAL: {
        if (stack.length - stack.fence < 2) {
          this.invalid(op, 'pops from an empty stack'); // the loader raises before importing anything
          stack.push(V.UNKNOWN);
          break;
        }
        const name = this.pop(op);
        const module = this.pop(op);
        stack.push(this.stackGlobal(module, name, op));
        break;
      }
      case Op.INST: {
        // `load_inst` looks for the MARK before it imports anything.
        const at = stack.popMark();
        if (at === undefined) {
          this.invalid(op, 'needs a MARK but there is none');
          stack.push(V.UNKNOWN);
          break;
        }
        const klass = this.globalFromLines(op);
        const args = keep.tuple(stack.slice(at, at + MAX_TUPLE_ITEMS + 1), stack.length - at);
        stack.truncate(at);
        stack.push(this.effects.call(klass, args, op, true));
        break;
      }
      case Op.OBJ: {
        const at = this.popMark(op);
        if (stack.length === at) {
          this.invalid(op, 'has no class to instantiate');
          stack.push(V.UNKNOWN);
          break;
        }
        const klass = stack.at(at);
        const args = keep.tuple(stack.slice(at + 1, at + 1 + MAX_TUPLE_ITEMS + 1), stack.length - at - 1);
        stack.truncate(at);
        stack.push(this.effects.call(klass, args, op, true));
        break;
      }
      case Op.REDUCE: {
        const args = this.pop(op);
        const callable = this.pop(op);
        stack.push(this.effects.call(callable, args, op, true));
        break;
      }
      case Op.NEWOBJ: {
        const args = this.pop(op);
        const klass = this.pop(op);
        stack.push(this.effects.call(klass, args, op, false));
        break;
      }
      case Op.NEWOBJ_EX: {
        this.pop(op); // kwargs
        const args = this.pop(op);
        const klass = this.pop(op);
        stack.push(this.effects.call(klass, args, op, false));
        break;
      }
      case Op.BUILD: {
        const state = this.pop(op);
        this.effects.build(this.top(op), state, op);
        break;
      }
      case Op.BINPERSID:
        stack.push(persistentLoadResult(this.pop(op)));
        break;
      case Op.EXT1:
      case Op.EXT2:
      case Op.EXT4:
        if (op.arg <= 0) {
          this.invalid(op, `uses extension code ${op.arg} (must be positive)`);
          stack.push(V.UNKNOWN);
        } else stack.push(this.obs.extension(op.arg, op.offset, this.options.via));
        break;
      case Op.PROTO:
        this.protocol(op);
        break;
      case Op.STOP:
        this.stop(op);
        break;
    }
  }

  private stop(op: DecodedOpcode): void {
    const result = this.stack.peek(); // above the last MARK, as `Pdata_pop` reads it
    if (result === undefined) {
      this.invalid(op, 'ends a pickle with an empty stack');
      if (this.options.stopOnInvalid) return; // the loader raised: no pickle ends here
    }
    if (this.outer) {
      // End of a joblib object-array pickle: the outer stream resumes where it was.
      ({ stack: this.stack, memo: this.memo } = this.outer);
      this.setProtocol(this.outer.proto);
      this.outer = undefined;
      return;
    }
    this.host.pickleEnd(op.end, result);
  }

  private protocol(op: DecodedOpcode): void {
    if (op.arg > HIGHEST_PROTOCOL) this.invalid(op, `declares unsupported protocol ${op.arg}`);
    if (this.options.reportInvalid) {
      if (this.protoSeen) this.obs.event('protocol-anomaly', op.offset, 'PROTO appears twice in one pickle');
      else if (this.opcodesInPickle - this.pickleStartedAt > 1) this.obs.event('protocol-anomaly', op.offset, 'PROTO is not the first opcode');
    }
    this.protoSeen = true;
    this.setProtocol(op.arg);
  }

  private setProtocol(protocol: number): void {
    this.proto = protocol;
    this.protocolCeiling = Math.max(protocol, 1);
  }

  /** An opcode newer than the declared protocol: picklers never write one. */
  private newerOpcode(op: DecodedOpcode): void {
    if (op.code === Op.PROTO || !this.options.reportInvalid) return;
    const needs = INTRODUCED_IN[op.code]!;
    const declared = this.protoSeen ? `declares protocol ${this.proto}` : 'has no PROTO (protocol 0 or 1)';
    this.obs.event('protocol-anomaly', op.offset, `${opcodeName(op.code)} needs protocol ${needs} but the pickle ${declared}`);
  }

  private globalFromLines(op: DecodedOpcode): Value {
    const module = utf8Text(op.data);
    const name = utf8Text(op.data2);
    if (op.truncated) return this.unresolved(op, `${opcodeName(op.code)} names a global longer than the scanner reads`);
    return this.imported(module, name, op);
  }

  private imported(module: string, name: string, op: DecodedOpcode): Value {
    // find_class cannot import what is not a dotted Python name: the loader raises before any import.
    if (!isValidDottedName(module) || !isValidDottedName(name)) {
      this.invalid(op, 'names a global that is not a dotted Python name, which find_class cannot import');
      return V.UNKNOWN;
    }
    const record = this.obs.global(module, name, this.proto, op.offset, this.options.via);
    if (record) return record;
    this.limit(op.offset, 'more distinct imported globals than the scanner records');
    return V.UNKNOWN;
  }

  private stackGlobal(module: Value, name: Value, op: DecodedOpcode): Value {
    const kinds = [nameOperand(module), nameOperand(name)];
    if (typeof module === 'string' && typeof name === 'string') return this.imported(module, name, op);
    const culprit = kinds[0] === 'name' ? name : module;
    if (kinds.includes('computed'))
      return this.unresolved(op, `STACK_GLOBAL operand is ${V.describe(culprit)}, not a literal name`);
    this.invalid(op, `requires str operands but got ${V.describe(culprit)}`);
    return V.UNKNOWN;
  }

  private unresolved(op: DecodedOpcode, reason: string): Value {
    this.obs.event('unresolved-global', op.offset, reason, this.options.via);
    return V.UNKNOWN;
  }

  private literal(value: Value | undefined, op: DecodedOpcode): Value {
    if (value !== undefined) return value;
    this.invalid(op, 'has an argument the loader cannot parse');
    return V.UNKNOWN;
  }

  private memoKey(op: DecodedOpcode): number {
    if (op.truncated) {
      // A key line longer than the scanner reads (padding the loader strips): the key is unknown.
      this.obs.event('malformed', op.offset, `${opcodeName(op.code)} has a memo key line longer than the scanner reads`, this.options.via);
      return UNKNOWN_KEY;
    }
    return memoKeyLine(op.data) ?? -1;
  }

  private get(key: number, op: DecodedOpcode): void {
    if (key === UNKNOWN_KEY) return void this.stack.push(V.UNKNOWN);
    const value = key >= 0 ? this.memo.get(key) : undefined;
    if (value === undefined) this.invalid(op, `reads memo key ${key} that was never stored`);
    this.stack.push(value ?? V.UNKNOWN);
  }

  private put(key: number, op: DecodedOpcode): void {
    if (key === UNKNOWN_KEY) return;
    if (key < 0) return this.invalid(op, 'stores under a negative or unparsable memo key');
    const top = this.stack.peek();
    if (top === undefined) return this.invalid(op, 'memoizes from an empty stack');
    this.memo.set(key, top);
    if (this.memo.ownSize > this.limits.maxMemo)
      this.limit(op.offset, `memo larger than ${this.limits.maxMemo} entries`);
  }

  private pop(op: DecodedOpcode): Value {
    const value = this.stack.pop();
    if (value !== undefined) return value;
    this.invalid(op, 'pops from an empty stack');
    return V.UNKNOWN;
  }

  private top(op: DecodedOpcode): Value {
    const value = this.stack.peek();
    if (value !== undefined) return value;
    this.invalid(op, 'needs a value but the stack is empty');
    return V.UNKNOWN;
  }

  /** Index the stack returns to at the last MARK (the items above it belong to the opcode). */
  private popMark(op: DecodedOpcode): number {
    const at = this.stack.popMark();
    if (at !== undefined) return at;
    this.invalid(op, 'needs a MARK but there is none');
    return this.stack.length;
  }

  private invalid(op: DecodedOpcode, what: string): void {
    if (this.options.reportInvalid)
      this.obs.event('invalid-operation', op.offset, `${opcodeName(op.code)} ${what}`, this.options.via);
    if (this.options.stopOnInvalid) this.host.rejected(op.offset, what);
  }

  private limit(offset: number, what: string): void {
    this.obs.event('resource-limit', offset, what, this.options.via);
    this.host.abort();
  }
}
