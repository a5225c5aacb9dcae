/**
 * joblib's inline arrays (oci-model-formats.md §6.6; joblib `numpy_pickle.py`). After the BUILD of a
 * `NumpyArrayWrapper`, joblib's unpickler reads the array straight from the file: for object dtypes a
 * whole nested pickle, otherwise an optional padding-length byte (when the wrapper carries
 * `numpy_array_alignment_bytes`), that many padding bytes, then `prod(shape) × itemsize` raw bytes.
 * Scanners that keep decoding opcodes there stop at the first array (model-scanners.md §2.3, "joblib:
 * an inline numpy array before the malicious object").
 */
import { K, NONE, type CallValue, type DictValue, type Value } from './values.js';

const WRAPPER_MODULES = new Set(['joblib.numpy_pickle', 'sklearn.externals.joblib.numpy_pickle']);

export type InlineArrayLayout =
  | { readonly kind: 'raw'; readonly bytes: number; readonly padded: boolean }
  | { readonly kind: 'object' };

/** Is this value a `NumpyArrayWrapper` built by the stream (the only class joblib reads data after)? */
export function isNumpyArrayWrapper(value: Value | undefined): value is CallValue {
  if (value === undefined || typeof value !== 'object' || value.k !== K.Call) return false;
  const klass = value.klass;
  return typeof klass === 'object' && klass.k === K.Global && klass.name === 'NumpyArrayWrapper' && WRAPPER_MODULES.has(klass.module);
}

/** Positional parameters of `NumpyArrayWrapper.__init__`, in order. */
const INIT_PARAMETERS = ['subclass', 'shape', 'order', 'dtype', 'allow_mmap', 'numpy_array_alignment_bytes'];
/** `NUMPY_ARRAY_ALIGNMENT_BYTES`, the `__init__` default. */
const DEFAULT_ALIGNMENT = 16;

/**
 * How the data after this wrapper is laid out, or a reason it cannot be known (then the rest of the
 * stream cannot be decoded the way joblib reads it).
 */
export function inlineArrayLayout(wrapper: CallValue, constructedWithArgs: boolean): InlineArrayLayout | string {
  const attributes = new Map<string, Value>();
  if (constructedWithArgs) {
    const args = wrapper.args;
    if (typeof args === 'object' && args.k === K.Tuple && args.items)
      args.items.forEach((item, i) => {
        const name = INIT_PARAMETERS[i];
        if (name) attributes.set(name, item);
      });
    if (!attributes.has('numpy_array_alignment_bytes')) attributes.set('numpy_array_alignment_bytes', DEFAULT_ALIGNMENT);
  }
  for (const [key, value] of stateAttributes(wrapper.state)) attributes.set(key, value);

  const dtype = attributes.get('dtype');
  const info = dtypeInfo(dtype);
  if (typeof info === 'string') return info;
  if (info.hasObject) return { kind: 'object' };

  const count = elementCount(attributes.get('shape'));
  if (count === undefined) return 'array shape is not a tuple of integers';
  const bytes = count * info.itemsize;
  if (!Number.isSafeInteger(bytes)) return 'array size is not representable';
  const alignment = attributes.get('numpy_array_alignment_bytes');
  return { kind: 'raw', bytes, padded: alignment !== undefined && alignment !== NONE };
}

function stateAttributes(state: Value | undefined): Iterable<[string, Value]> {
  if (state === undefined || typeof state !== 'object') return [];
  if (state.k === K.Dict) return state.entries ?? [];
  // (state, slotstate): both dicts of attributes.
  if (state.k === K.Tuple && state.items?.length === 2) {
    const out: Array<[string, Value]> = [];
    for (const part of state.items)
      if (typeof part === 'object' && part.k === K.Dict && part.entries) out.push(...part.entries);
    return out;
  }
  return [];
}

function elementCount(shape: Value | undefined): number | undefined {
  if (typeof shape === 'number') return shape >= 0 ? shape : undefined;
  if (shape === undefined || typeof shape !== 'object' || shape.k !== K.Tuple || !shape.items) return undefined;
  let count = 1;
  for (const dim of shape.items) {
    if (typeof dim !== 'number' || dim < 0) return undefined;
    count *= dim;
  }
  return count;
}

interface DtypeInfo {
  readonly itemsize: number;
  readonly hasObject: boolean;
}

/** `NPY_ITEM_REFCOUNT`: the dtype holds Python objects (numpy `dtype.flags`). */
const ITEM_REFCOUNT = 0x01;
const TYPESTR = /^[<>|=]?([biufcmMOSUVa])(\d*)/;

/**
 * Itemsize and object-ness of a pickled `numpy.dtype`: `dtype(typestr, align, copy)` then BUILD with
 * `(version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])`; `elsize` is set
 * for flexible and structured dtypes and -1 otherwise.
 */
function dtypeInfo(dtype: Value | undefined): DtypeInfo | string {
  if (dtype === undefined || typeof dtype !== 'object' || dtype.k !== K.Call) return 'array dtype is not a numpy.dtype';
  const callee = dtype.callee;
  if (typeof callee !== 'object' || callee.k !== K.Global || callee.name !== 'dtype') return 'array dtype is not a numpy.dtype';
  const args = dtype.args;
  const typestr = typeof args === 'object' && args.k === K.Tuple ? args.items?.[0] : undefined;
  if (typeof typestr !== 'string') return 'array dtype has no type string';
  const match = TYPESTR.exec(typestr);
  if (!match) return `unknown dtype ${typestr}`;
  const state = dtype.state;
  const items = typeof state === 'object' && state.k === K.Tuple ? state.items : undefined;
  const elsize = items?.[5];
  const flags = items?.[7];
  const hasObject = match[1] === 'O' || (typeof flags === 'number' && (flags & ITEM_REFCOUNT) !== 0);
  if (typeof elsize === 'number' && elsize > 0) return { itemsize: elsize, hasObject };
  const size = Number(match[2]);
  if (!(size > 0)) return hasObject ? { itemsize: 8, hasObject } : `dtype ${typestr} has no size`;
  return { itemsize: match[1] === 'U' ? size * 4 : size, hasObject };
}
