/**
 * Writes GGUF files in memory for tests: valid ones laid out as ggml's writer does (aligned, contiguous
 * tensor data, padding after the last tensor), with hooks to forge any field for hostile cases.
 */
import { GGML_TYPES } from '../../analyzers/gguf/ggml-types.js';
import { VALUE_TYPE } from '../../analyzers/gguf/metadata.js';

/** A metadata value as written: its GGUF type and a payload matching it. */
export type KvValue =
  | { type: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64'; value: number }
  | { type: 'u64' | 'i64'; value: bigint }
  | { type: 'bool'; value: boolean | number }
  | { type: 'string'; value: string | Uint8Array }
  | { type: 'array'; elementType: KvValue['type']; values: KvValue[] }
  /** Any type id with raw bytes after it, for forged values. */
  | { type: 'raw'; typeId: number; bytes: Uint8Array };

export interface TensorSpec {
  readonly name: string | Uint8Array;
  readonly dims: readonly (number | bigint)[];
  readonly type: number;
  /** Forced data offset; default: the contiguous layout ggml writes. */
  readonly offset?: bigint;
}

export interface GgufSpec {
  readonly version?: number;
  readonly bigEndian?: boolean;
  readonly metadata: ReadonlyArray<readonly [string | Uint8Array, KvValue]>;
  readonly tensors?: readonly TensorSpec[];
  /** Forced header counts; default: the real ones. */
  readonly tensorCount?: bigint;
  readonly metadataCount?: bigint;
  readonly alignment?: number;
  /** When false, the file ends at the data start (for virtual large files). Default true. */
  readonly withData?: boolean;
}

const TYPE_IDS: Record<Exclude<KvValue['type'], 'raw'>, number> = {
  u8: VALUE_TYPE.UINT8,
  i8: VALUE_TYPE.INT8,
  u16: VALUE_TYPE.UINT16,
  i16: VALUE_TYPE.INT16,
  u32: VALUE_TYPE.UINT32,
  i32: VALUE_TYPE.INT32,
  f32: VALUE_TYPE.FLOAT32,
  bool: VALUE_TYPE.BOOL,
  string: VALUE_TYPE.STRING,
  array: VALUE_TYPE.ARRAY,
  u64: VALUE_TYPE.UINT64,
  i64: VALUE_TYPE.INT64,
  f64: VALUE_TYPE.FLOAT64,
};

class Writer {
  private chunks: Uint8Array[] = [];
  length = 0;
  constructor(
    private readonly littleEndian: boolean,
    private readonly narrow: boolean,
  ) {}

  bytes(b: Uint8Array): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  private fixed(width: number, set: (v: DataView) => void): void {
    const b = new Uint8Array(width);
    set(new DataView(b.buffer));
    this.bytes(b);
  }
  u8 = (v: number) => this.fixed(1, (d) => d.setUint8(0, v));
  i8 = (v: number) => this.fixed(1, (d) => d.setInt8(0, v));
  u16 = (v: number) => this.fixed(2, (d) => d.setUint16(0, v, this.littleEndian));
  i16 = (v: number) => this.fixed(2, (d) => d.setInt16(0, v, this.littleEndian));
  u32 = (v: number) => this.fixed(4, (d) => d.setUint32(0, v, this.littleEndian));
  i32 = (v: number) => this.fixed(4, (d) => d.setInt32(0, v, this.littleEndian));
  f32 = (v: number) => this.fixed(4, (d) => d.setFloat32(0, v, this.littleEndian));
  f64 = (v: number) => this.fixed(8, (d) => d.setFloat64(0, v, this.littleEndian));
  u64 = (v: bigint) => this.fixed(8, (d) => d.setBigUint64(0, v, this.littleEndian));
  i64 = (v: bigint) => this.fixed(8, (d) => d.setBigInt64(0, v, this.littleEndian));
  count = (v: bigint | number) => (this.narrow ? this.u32(Number(v)) : this.u64(BigInt(v)));
  string(s: string | Uint8Array): void {
    const b = typeof s === 'string' ? new TextEncoder().encode(s) : s;
    this.count(b.length);
    this.bytes(b);
  }
  zeros(n: number): void {
    this.bytes(new Uint8Array(n));
  }
  result(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function writeValue(w: Writer, kv: KvValue): void {
  switch (kv.type) {
    case 'u8':
    case 'i8':
    case 'u16':
    case 'i16':
    case 'u32':
    case 'i32':
    case 'f32':
    case 'f64':
      return w[kv.type](kv.value);
    case 'u64':
    case 'i64':
      return w[kv.type](kv.value);
    case 'bool':
      return w.u8(Number(kv.value));
    case 'string':
      return w.string(kv.value);
    case 'array':
      w.u32(kv.elementType === 'raw' ? 0 : TYPE_IDS[kv.elementType]);
      w.count(kv.values.length);
      for (const v of kv.values) writeValue(w, v);
      return;
    case 'raw':
      return w.bytes(kv.bytes);
  }
}

/** Byte size of a tensor of a known ggml type. */
export function tensorBytes(t: TensorSpec): bigint {
  const ggml = GGML_TYPES.get(t.type)!;
  const elements = t.dims.reduce<bigint>((n, d) => n * BigInt(d), 1n);
  return (elements / BigInt(ggml.blockSize)) * BigInt(ggml.typeSize);
}

const alignUp = (v: bigint, a: bigint) => v + ((a - (v % a)) % a);

export interface BuiltGguf {
  readonly bytes: Uint8Array;
  /** Offset where the tensor table ends and where the aligned data section starts. */
  readonly tableEnd: number;
  readonly dataStart: number;
  /** Size of the complete file (header + data), also when `withData` is false. */
  readonly fileSize: bigint;
}

export function buildGguf(spec: GgufSpec): BuiltGguf {
  const version = spec.version ?? 3;
  const littleEndian = !spec.bigEndian;
  const w = new Writer(littleEndian, version === 1);
  const tensors = spec.tensors ?? [];
  const alignment = BigInt(spec.alignment ?? 32);
  w.bytes(new TextEncoder().encode('GGUF'));
  w.u32(version);
  w.count(spec.tensorCount ?? BigInt(tensors.length));
  w.count(spec.metadataCount ?? BigInt(spec.metadata.length));
  for (const [key, value] of spec.metadata) {
    w.string(key);
    w.u32(value.type === 'raw' ? value.typeId : TYPE_IDS[value.type]);
    writeValue(w, value);
  }
  let next = 0n;
  let end = 0n;
  for (const t of tensors) {
    w.string(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.count(BigInt(d));
    w.u32(t.type);
    const offset = t.offset ?? next;
    w.u64(offset);
    const bytes = GGML_TYPES.has(t.type) ? tensorBytes(t) : 0n;
    next = offset + alignUp(bytes, alignment);
    end = offset + bytes > end ? offset + bytes : end;
  }
  const tableEnd = w.length;
  const dataStart = tensors.length > 0 ? Number(alignUp(BigInt(tableEnd), alignment)) : tableEnd;
  const fileSize = alignUp(BigInt(dataStart) + end, alignment);
  w.zeros(dataStart - tableEnd);
  if (spec.withData !== false) w.zeros(Number(fileSize) - dataStart);
  return { bytes: w.result(), tableEnd, dataStart, fileSize };
}

export const str = (value: string | Uint8Array): KvValue => ({ type: 'string', value });
export const u32 = (value: number): KvValue => ({ type: 'u32', value });

/** Metadata of a small, plausible model. */
export const SAMPLE_METADATA: ReadonlyArray<readonly [string, KvValue]> = [
  ['general.architecture', str('llama')],
  ['general.name', str('Tiny Llama Test')],
  ['general.license', str('apache-2.0')],
  ['general.license.link', str('https://www.apache.org/licenses/LICENSE-2.0')],
  ['general.file_type', u32(15)],
  ['general.quantization_version', u32(2)],
  ['general.base_model.count', u32(1)],
  ['general.base_model.0.name', str('Llama 3')],
  ['general.base_model.0.organization', str('Meta')],
  ['llama.context_length', u32(4096)],
  ['llama.rope.freq_base', { type: 'f32', value: 10000 }],
  ['test.u8', { type: 'u8', value: 255 }],
  ['test.i8', { type: 'i8', value: -1 }],
  ['test.u16', { type: 'u16', value: 65535 }],
  ['test.i16', { type: 'i16', value: -2 }],
  ['test.i32', { type: 'i32', value: -3 }],
  ['test.u64', { type: 'u64', value: 2n ** 63n }],
  ['test.i64', { type: 'i64', value: -4n }],
  ['test.f64', { type: 'f64', value: 0.5 }],
  ['test.bool', { type: 'bool', value: true }],
  ['general.tags', { type: 'array', elementType: 'string', values: [str('text-generation'), str('test')] }],
  ['tokenizer.ggml.model', str('gpt2')],
  ['tokenizer.ggml.tokens', { type: 'array', elementType: 'string', values: Array.from({ length: 300 }, (_, i) => str(`tok${i}`)) }],
  ['tokenizer.ggml.scores', { type: 'array', elementType: 'f32', values: Array.from({ length: 300 }, () => ({ type: 'f32', value: 0 }) as KvValue) }],
  ['tokenizer.ggml.flags', { type: 'array', elementType: 'bool', values: Array.from({ length: 100 }, (_, i) => ({ type: 'bool', value: i % 2 === 0 }) as KvValue) }],
  ['test.nested', { type: 'array', elementType: 'array', values: [{ type: 'array', elementType: 'u8', values: [{ type: 'u8', value: 1 }] }] }],
  [
    'tokenizer.chat_template',
    str(
      "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
    ),
  ],
];

export const SAMPLE_TENSORS: readonly TensorSpec[] = [
  { name: 'token_embd.weight', dims: [64, 8], type: 0 }, // F32
  { name: 'blk.0.attn_q.weight', dims: [256, 2], type: 12 }, // Q4_K
  { name: 'blk.0.ffn.weight', dims: [32, 3], type: 2 }, // Q4_0: 54 bytes, padded to 64
  { name: 'output_norm.weight', dims: [8], type: 1 }, // F16
];

export function sampleGguf(overrides: Partial<GgufSpec> = {}): BuiltGguf {
  return buildGguf({ metadata: SAMPLE_METADATA, tensors: SAMPLE_TENSORS, ...overrides });
}
