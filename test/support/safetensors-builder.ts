/**
 * Writes safetensors files in memory: valid ones laid out as the reference writer does (contiguous data,
 * header padded with spaces to a multiple of 8), and raw ones from any header text for hostile cases.
 */
import { DTYPE_BITS } from '../../analyzers/safetensors/dtypes.js';

export interface TensorSpec {
  readonly dtype: string;
  readonly shape: readonly number[];
}

/** Header JSON text of a valid file holding `tensors` in order, and the data size it describes. */
export function validHeader(tensors: Readonly<Record<string, TensorSpec>>, metadata?: Readonly<Record<string, string>>): { json: string; dataSize: number } {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, { dtype, shape }] of Object.entries(tensors)) {
    const bits = shape.reduce((n, d) => n * d, 1) * DTYPE_BITS.get(dtype)!;
    const bytes = bits / 8;
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  return { json: JSON.stringify(header), dataSize: offset };
}

/** A valid file: header (space-padded to a multiple of 8) followed by zeroed tensor data. */
export function buildSafetensors(tensors: Readonly<Record<string, TensorSpec>>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const { json, dataSize } = validHeader(tensors, metadata);
  return buildRaw(padTo8(json), dataSize);
}

/** Any header bytes or text, framed with its length prefix, followed by `data` (a size or bytes). */
export function buildRaw(header: string | Uint8Array, data: number | Uint8Array = 0, declaredLength?: number | bigint): Uint8Array {
  const headerBytes = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const dataBytes = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + headerBytes.length + dataBytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declaredLength ?? headerBytes.length), true);
  out.set(headerBytes, 8);
  out.set(dataBytes, 8 + headerBytes.length);
  return out;
}

export function padTo8(json: string): string {
  const length = new TextEncoder().encode(json).length;
  return json + ' '.repeat((8 - (length % 8)) % 8);
}

export const SAMPLE_TENSORS: Readonly<Record<string, TensorSpec>> = {
  'model.embed.weight': { dtype: 'F16', shape: [4, 8] },
  'model.norm.weight': { dtype: 'F32', shape: [8] },
  'model.scale': { dtype: 'BF16', shape: [] },
  'model.empty': { dtype: 'I64', shape: [0, 3] },
  'model.packed': { dtype: 'F4', shape: [2, 3] },
  'model.mask': { dtype: 'BOOL', shape: [5] },
};
