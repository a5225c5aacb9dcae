/**
 * The interpreter's side of calls and state (calls.ts decides what a call runs): records every global
 * the loader runs with the evidence of how, applies BUILD/SETITEM/APPEND state and reports state given
 * to an imported object or to a result the scanner cannot vouch for.
 */
import { applyCall, applyState, isVouchedFor, type CallSite } from './calls.js';
import type { DecodedOpcode } from './decoder.js';
import { renderCall } from './evidence.js';
import { inlineArrayLayout, isNumpyArrayWrapper, type InlineArrayLayout } from './joblib.js';
import type { Observations } from './observations.js';
import { opcodeName } from './opcodes.js';
import * as V from './values.js';
import { K, type Value } from './values.js';

/** What the interpreter lends: imports, and its ways of reporting what the loader rejects. */
export interface VmHooks {
  imported(module: string, name: string, op: DecodedOpcode): Value;
  unresolved(op: DecodedOpcode, reason: string): Value;
  invalid(op: DecodedOpcode, what: string): void;
  inlineArray(end: number, layout: InlineArrayLayout | string): void;
}

interface Evidence {
  readonly callee: Value;
  readonly args: Value | undefined;
  readonly how?: string;
}

export class VmEffects {
  /** The opcode being run (what a call's effects are reported at). */
  private op!: DecodedOpcode;
  private readonly site: CallSite = {
    invoke: (target, evidence) => this.invoke(target, evidence),
    importByName: (module, name, by) => this.importByName(module, name, by),
    unchecked: (what) => this.obs.event('dynamic-call', this.op.offset, what, this.via),
    externalLoad: (what) => this.obs.event('external-load', this.op.offset, what, this.via),
    stateExec: (what) => this.obs.event('state-exec', this.op.offset, what, this.via),
    dunderState: (what) => this.obs.event('global-mutation', this.op.offset, what, this.via),
    staticAttribute: (getattr, module, name) => {
      getattr.staticCalls = (getattr.staticCalls ?? 0) + 1;
      return this.hooks.imported(module, name, this.op);
    },
  };

  constructor(
    private readonly obs: Observations,
    private readonly via: string | undefined,
    private readonly hooks: VmHooks,
  ) {}

  /** A call the loader makes (REDUCE, INST, OBJ, NEWOBJ…): record what runs, return what it returns. */
  call(callee: Value, args: Value, op: DecodedOpcode, viaInit: boolean): Value {
    this.op = op;
    return applyCall(this.site, callee, args, viaInit);
  }

  /** BUILD: `target.__setstate__(state)` or an update of its `__dict__`. */
  build(target: Value, state: Value, op: DecodedOpcode): void {
    if (typeof target !== 'object') return;
    if (target.k === K.Global || target.k === K.Ext) {
      if (target.k === K.Global) this.notePatchedSetstate(target, state);
      return this.mutation(target, op);
    }
    if (target.k !== K.Call) return;
    if (!isVouchedFor(target)) return this.unvouchedState(target, op);
    target.state = state;
    this.op = op;
    const klass = target.klass;
    if (typeof klass === 'object' && klass.k === K.Global && klass.patchedSetstate !== undefined) {
      // BUILD calls `inst.__setstate__(state)`: the callable planted on the class runs with this state.
      const planted = klass.patchedSetstate;
      this.invoke(planted, { callee: planted, args: { k: K.Tuple, length: 1, items: [state] }, how: `__setstate__ planted on ${klass.module}.${klass.name}` });
    }
    applyState(this.site, target, state);
    if (isNumpyArrayWrapper(target)) this.hooks.inlineArray(op.end, inlineArrayLayout(target, target.viaInit));
  }

  /**
   * APPEND(S)/SETITEM(S)/ADDITEMS call methods of their target; on an imported object that mutates it,
   * on a result built at load time it runs whatever that object is.
   */
  updateContainer(target: Value, op: DecodedOpcode): void {
    if (typeof target !== 'object') return;
    if (target.k === K.Global || target.k === K.Ext) this.mutation(target, op);
    else if (target.k === K.Call && !isVouchedFor(target)) this.unvouchedState(target, op);
  }

  /** Record that the loader calls `target`, with what (evidence for a global outside the allowlist). */
  private invoke(target: Value, evidence: Evidence): void {
    const op = this.op;
    if (typeof target === 'object') {
      if (target.k === K.Global || target.k === K.Ext) {
        if (target.invokedAt >= 0) return;
        target.invokedAt = op.offset;
        if (target.k === K.Global && target.verdict.kind !== 'allowed')
          target.evidence = { call: renderCall(evidence.callee, evidence.args), ...(evidence.how ? { how: evidence.how } : {}) };
        return;
      }
      if (target.k === K.Call) {
        const how = evidence.how ? ` (${evidence.how})` : '';
        const runs = renderCall(evidence.callee, evidence.args);
        this.obs.event('dynamic-call', op.offset, `${opcodeName(op.code)} calls the ${V.describe(target)}${how}; runs ${runs}`, this.via, 1, runs);
        return;
      }
    }
    if (target === V.PERSISTENT)
      this.obs.event('dynamic-call', op.offset, `${opcodeName(op.code)} calls an object returned by persistent_load`, this.via);
    else if (target !== V.UNKNOWN) this.hooks.invalid(op, `calls ${V.describe(target)}, which is not callable`);
  }

  /** `__import__(module)` + `getattr(name)` by an allowed helper (`numpy.core._ufunc_reconstruct`). */
  private importByName(module: Value, name: Value, by: string): Value {
    if (typeof module === 'string' && typeof name === 'string') return this.hooks.imported(module, name, this.op);
    const culprit = typeof module === 'string' ? name : module;
    return this.hooks.unresolved(this.op, `${by} imports a name given as ${V.describe(culprit)}, not a literal name`);
  }

  /** BUILD state on a class that sets `__setstate__` (as instance dict or slot state). */
  private notePatchedSetstate(target: V.GlobalRecord, state: Value): void {
    const dicts = typeof state === 'object' && state.k === K.Tuple ? state.items ?? [] : [state];
    for (const dict of dicts)
      if (typeof dict === 'object' && dict.k === K.Dict) {
        const planted = dict.entries?.get('__setstate__');
        if (planted !== undefined) target.patchedSetstate = planted;
      }
  }

  /** State given to something that is not a fresh object of a class the scanner judged. */
  private unvouchedState(target: V.CallValue, op: DecodedOpcode): void {
    this.obs.event('global-mutation', op.offset, `${opcodeName(op.code)} gives state to the ${V.describe(target)}, which the scanner cannot vouch for`, this.via);
  }

  private mutation(target: V.GlobalRecord | V.ExtRecord, op: DecodedOpcode): void {
    if (target.k === K.Global && target.mutatedAt < 0) target.mutatedAt = op.offset;
    const what = target.k === K.Global ? `${target.module}.${target.name}` : `extension code ${target.code}`;
    this.obs.event('global-mutation', op.offset, `${opcodeName(op.code)} modifies the imported object ${what}`, this.via);
  }
}
