import { describe, expect, it } from 'vitest';
import { renderCall, renderValue } from '../../../../analyzers/pickle/evidence.js';
import { policyFor } from '../../../../analyzers/pickle/policy.js';
import * as V from '../../../../analyzers/pickle/values.js';
import { K, type GlobalRecord } from '../../../../analyzers/pickle/values.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';

const global = (module: string, name: string): GlobalRecord => ({
  k: K.Global, module, name, verdict: policyFor(DEFAULT_SETTINGS.pickle).classify(module, name), firstOffset: 0, count: 1, invokedAt: -1, mutatedAt: -1,
});
const tuple = (...items: V.Value[]): V.TupleValue => ({ k: K.Tuple, length: items.length, items });

describe('renderCall', () => {
  it('should spell a call as Python would, with escaped text', () => {
    expect(renderCall(global('os', 'system'), tuple("it's\u0000\u2028\u{1F600}"))).toBe("os.system('it\\'s\\x00\\u2028\u{1F600}')");
  });

  it('should show nested calls, numbers, None and kept dicts', () => {
    const inner: V.CallValue = { k: K.Call, callee: global('mylib', 'make'), klass: global('mylib', 'make'), args: tuple(1, V.NONE), state: undefined, viaInit: true };
    const dict: V.DictValue = { k: K.Dict, entries: new Map<string, V.Value>([['cmd', 'id']]) };
    expect(renderCall(global('mylib', 'run'), tuple(inner, dict))).toBe("mylib.run(mylib.make(1, None), {'cmd': 'id'})");
  });

  it('should mark text the scanner kept only the start of, and stay short', () => {
    expect(renderValue({ k: K.Text, preview: 'curl http://x', length: 500 })).toBe("'curl http://x…'");
    const many = tuple(...Array.from({ length: 20 }, () => 'x'.repeat(60)));
    expect(renderCall(global('os', 'system'), many).length).toBeLessThanOrEqual(200);
  });
});
