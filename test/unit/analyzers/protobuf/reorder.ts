/**
 * Re-encodes a protobuf with its fields in another order, at the wire level, for the builders' models
 * (TensorFlow is not in Debian, so SavedModels cannot be re-encoded by their own library; the ONNX
 * fixtures are, by test/fixtures/reordered-onnx/generate.py). `tree` names the fields holding nested
 * messages, which are reordered too. Repeated fields keep their relative order — it is part of the
 * message — so the result is the same message in any protobuf reader.
 */
import { decodeVarint, encodeVarint, unsignedOf, WireType, type Varint } from '../../../../analyzers/protobuf/varint.js';
import { concat } from '../../../support/bytes.js';

export interface MessageTree {
  readonly [field: number]: MessageTree;
}

export type Order = 'reversed' | 'shuffled';

export function reorder(data: Uint8Array, tree: MessageTree, order: Order, seed = 1): Uint8Array {
  let state = seed;
  const random = (n: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    return state % n;
  };
  const walk = (bytes: Uint8Array, node: MessageTree): Uint8Array => {
    const groups = new Map<number, Uint8Array[]>();
    const v: Varint = { lo: 0, hi: 0, length: 0 };
    let at = 0;
    while (at < bytes.length) {
      const start = at;
      const tag = decodeVarint(bytes, at, v)!;
      const tagLength = tag.length;
      at += tagLength;
      const number = tag.lo >>> 3;
      const wireType = tag.lo & 7;
      let raw: Uint8Array;
      if (wireType === WireType.Len) {
        const length = decodeVarint(bytes, at, v)!;
        const payloadStart = at + length.length;
        const payload = bytes.subarray(payloadStart, payloadStart + unsignedOf(length));
        at = payloadStart + payload.length;
        const inner = node[number];
        raw = inner ? concat(bytes.subarray(start, start + tagLength), encodeVarint(payload.length), walk(payload, inner)) : bytes.subarray(start, at);
      } else {
        at += wireType === WireType.Varint ? decodeVarint(bytes, at, v)!.length : wireType === WireType.I64 ? 8 : 4;
        raw = bytes.subarray(start, at);
      }
      groups.set(number, [...(groups.get(number) ?? []), raw]);
    }
    if (order === 'reversed') return concat(...[...groups.keys()].sort((a, b) => b - a).flatMap((n) => groups.get(n)!));
    const out: Uint8Array[] = [];
    const queues = [...groups.values()].map((raws) => [...raws]);
    while (queues.length > 0) {
      const i = random(queues.length);
      out.push(queues[i]!.shift()!);
      if (queues[i]!.length === 0) queues.splice(i, 1);
    }
    return concat(...out);
  };
  return walk(data, tree);
}

/** tensorflow NodeDef: attr 5 → AttrValue 2 → list 1, tensor 8, func 10. */
const NODE_DEF: MessageTree = { 5: { 2: { 1: {}, 8: {}, 10: {} } } };
/** GraphDef: node 1, library 2 → function 1 → signature 1, node_def 3. */
export const GRAPH_DEF_TREE: MessageTree = { 1: NODE_DEF, 2: { 1: { 1: {}, 3: NODE_DEF } }, 4: {} };
/** SavedModel: meta_graphs 2 → meta_info_def 1, graph_def 2, saver_def 3, object_graph_def 7 → nodes 1 → user_object 4. */
export const SAVED_MODEL_TREE: MessageTree = { 2: { 1: {}, 2: GRAPH_DEF_TREE, 3: {}, 7: { 1: { 4: { 2: {} } } } } };
/** SavedMetadata: nodes 1 → version 6. */
export const KERAS_METADATA_TREE: MessageTree = { 1: { 6: {} } };
