/**
 * The branch-call filters 7-Zip (and xz, and py7zr by default) puts in front of LZMA/LZMA2, and Delta,
 * decoded as streams. A branch filter rewrites the target of each call/jump instruction from absolute
 * back to relative (the encoder made them absolute so repeated calls compress better); the layouts
 * follow the LZMA SDK's description of each converter (`Bra.c`, `Bra86.c`, `BraIA64.c`) and xz's
 * `src/liblzma/simple/*.c` (ARM64: xz 5.4, the same conversion 7-Zip 23 adopted as method 0A).
 * Positions are counted from the start of the filter's output, offset by the optional 4-byte start
 * property. Every filter keeps the output the length of the input and holds at most an instruction's
 * worth of bytes (≤ 16) between chunks, so memory is one chunk whatever the input.
 */

/** Converts `data` in place from position `ip`; returns how many leading bytes are final. */
type BranchConverter = (data: Uint8Array, ip: number) => number;

/** A converter with per-stream state (x86's record of recent E8/E9 bytes). */
type ConverterFactory = () => BranchConverter;

const u32 = (value: number): number => value >>> 0;

/** ARM: `BL` (byte 3 = 0xEB), 24-bit word offset, PC = instruction + 8. */
const arm: ConverterFactory = () => (data, ip) => {
  let i = 0;
  for (; i + 4 <= data.length; i += 4) {
    if (data[i + 3] !== 0xeb) continue;
    const src = ((data[i + 2]! << 16) | (data[i + 1]! << 8) | data[i]!) << 2;
    const dest = u32(src - (ip + i + 8)) >>> 2;
    data[i] = dest & 0xff;
    data[i + 1] = (dest >>> 8) & 0xff;
    data[i + 2] = (dest >>> 16) & 0xff;
  }
  return i;
};

/** ARM Thumb: the two halves of a 32-bit `BL` (0xF000/0xF800 prefixes), 22-bit halfword offset, PC + 4. */
const armThumb: ConverterFactory = () => (data, ip) => {
  let i = 0;
  for (; i + 4 <= data.length; i += 2) {
    if ((data[i + 1]! & 0xf8) !== 0xf0 || (data[i + 3]! & 0xf8) !== 0xf8) continue;
    const src = (((data[i + 1]! & 7) << 19) | (data[i]! << 11) | ((data[i + 3]! & 7) << 8) | data[i + 2]!) << 1;
    const dest = u32(src - (ip + i + 4)) >>> 1;
    data[i + 1] = 0xf0 | ((dest >>> 19) & 7);
    data[i] = (dest >>> 11) & 0xff;
    data[i + 3] = 0xf8 | ((dest >>> 8) & 7);
    data[i + 2] = dest & 0xff;
    i += 2;
  }
  return i;
};

/** PowerPC (big-endian): `bl` — primary opcode 18 with AA=0, LK=1 — and its 24-bit word offset. */
const powerPc: ConverterFactory = () => (data, ip) => {
  let i = 0;
  for (; i + 4 <= data.length; i += 4) {
    if (data[i]! >>> 2 !== 0x12 || (data[i + 3]! & 3) !== 1) continue;
    const src = ((data[i]! & 3) << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | (data[i + 3]! & ~3 & 0xff);
    const dest = u32(src - (ip + i));
    data[i] = 0x48 | ((dest >>> 24) & 3);
    data[i + 1] = (dest >>> 16) & 0xff;
    data[i + 2] = (dest >>> 8) & 0xff;
    data[i + 3] = (data[i + 3]! & 3) | (dest & 0xff);
  }
  return i;
};

/** SPARC: `call` whose 30-bit displacement fits 22 bits sign-extended (0x40 00…, 0x7F C0…). */
const sparc: ConverterFactory = () => (data, ip) => {
  let i = 0;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (; i + 4 <= data.length; i += 4) {
    const b0 = data[i]!;
    const b1 = data[i + 1]!;
    if (!((b0 === 0x40 && (b1 & 0xc0) === 0) || (b0 === 0x7f && (b1 & 0xc0) === 0xc0))) continue;
    const src = u32(view.getUint32(i) << 2);
    let dest = u32(src - (ip + i)) >>> 2;
    dest = u32((((0 - ((dest >>> 22) & 1)) << 22) & 0x3fffffff) | (dest & 0x3fffff) | 0x40000000);
    view.setUint32(i, dest);
  }
  return i;
};

/** ARM64: `BL` (26-bit word offset) and `ADRP` within ±512 MiB (21-bit page offset), little-endian. */
const arm64: ConverterFactory = () => (data, ip) => {
  let i = 0;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (; i + 4 <= data.length; i += 4) {
    const pc = u32(ip + i);
    let instr = view.getUint32(i, true);
    if (instr >>> 26 === 0x25) {
      instr = u32(0x94000000 | ((instr - (pc >>> 2)) & 0x03ffffff));
      view.setUint32(i, instr, true);
    } else if (u32(instr & 0x9f000000) === 0x90000000) {
      const src = ((instr >>> 29) & 3) | ((instr >>> 3) & 0x001ffffc);
      if ((src + 0x00020000) & 0x001c0000) continue; // outside the range the encoder converts
      const dest = u32(src - (pc >>> 12));
      instr = u32((instr & 0x9000001f) | ((dest & 3) << 29) | ((dest & 0x0003fffc) << 3) | (u32(0 - (dest & 0x00020000)) & 0x00e00000));
      view.setUint32(i, instr, true);
    }
  }
  return i;
};

/** IA-64: for each 16-byte bundle, the slots its template marks as branches (`br.call` imm21). */
const IA64_BRANCH_SLOTS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 6, 6, 0, 0, 7, 7, 4, 4, 0, 0, 4, 4, 0, 0];
const ia64: ConverterFactory = () => (data, ip) => {
  let i = 0;
  for (; i + 16 <= data.length; i += 16) {
    const slots = IA64_BRANCH_SLOTS[data[i]! & 0x1f]!;
    for (let slot = 0, bitPos = 5; slot < 3; slot++, bitPos += 41) {
      if (((slots >>> slot) & 1) === 0) continue;
      const bytePos = i + (bitPos >>> 3);
      const shift = BigInt(bitPos & 7);
      let instruction = 0n;
      for (let j = 0; j < 6; j++) instruction |= BigInt(data[bytePos + j]!) << BigInt(8 * j);
      let norm = instruction >> shift;
      if (((norm >> 37n) & 0xfn) !== 0x5n || ((norm >> 9n) & 0x7n) !== 0n) continue;
      const src = (Number((norm >> 13n) & 0xfffffn) | (Number((norm >> 36n) & 1n) << 20)) << 4;
      const dest = u32(src - (ip + i)) >>> 4;
      norm &= ~(0x8fffffn << 13n);
      norm |= BigInt(dest & 0xfffff) << 13n;
      norm |= BigInt(dest & 0x100000) << 16n;
      instruction = (instruction & ((1n << shift) - 1n)) | (norm << shift);
      for (let j = 0; j < 6; j++) data[bytePos + j] = Number((instruction >> BigInt(8 * j)) & 0xffn);
    }
  }
  return i;
};

/**
 * x86 (7-Zip's BCJ): the 32-bit operand after each E8 (call) / E9 (jmp) whose top byte is 00 or FF.
 * `mask` remembers which of the three bytes before the current one were E8/E9 (an operand cannot start
 * inside a recent one's operand), carried across chunks like the SDK's `state`.
 */
const X86_ALLOWED = [true, true, true, false, true, false, false, false];
const X86_BIT_NUMBER = [0, 1, 2, 2, 3, 3, 3, 3];
const isX86Operand = (b: number): boolean => b === 0 || b === 0xff;
const x86: ConverterFactory = () => {
  let mask = 0;
  return (data, ip) => {
    if (data.length < 5) return 0;
    const base = ip + 5;
    let pos = 0;
    let previous = -1;
    const limit = data.length - 4;
    for (;;) {
      while (pos < limit && (data[pos]! & 0xfe) !== 0xe8) pos++;
      if (pos >= limit) break;
      const distance = pos - previous;
      if (distance > 3) mask = 0;
      else {
        mask = (mask << (distance - 1)) & 7;
        if (mask !== 0 && (!X86_ALLOWED[mask] || isX86Operand(data[pos + 4 - X86_BIT_NUMBER[mask]!]!))) {
          previous = pos;
          mask = ((mask << 1) & 7) | 1;
          pos++;
          continue;
        }
      }
      previous = pos;
      if (!isX86Operand(data[pos + 4]!)) {
        mask = ((mask << 1) & 7) | 1;
        pos++;
        continue;
      }
      let src = u32(data[pos + 1]! | (data[pos + 2]! << 8) | (data[pos + 3]! << 16) | (data[pos + 4]! << 24));
      let dest: number;
      for (;;) {
        dest = u32(src - (base + pos));
        if (mask === 0) break;
        const index = X86_BIT_NUMBER[mask]! * 8;
        if (!isX86Operand((dest >>> (24 - index)) & 0xff)) break;
        src = u32(dest ^ ((2 ** (32 - index)) - 1));
      }
      data[pos + 4] = ((dest >>> 24) & 1) === 0 ? 0 : 0xff;
      data[pos + 3] = (dest >>> 16) & 0xff;
      data[pos + 2] = (dest >>> 8) & 0xff;
      data[pos + 1] = dest & 0xff;
      pos += 5;
    }
    const distance = pos - previous;
    mask = distance > 3 ? 0 : (mask << (distance - 1)) & 7;
    return pos;
  };
};

export type BranchFilter = 'x86' | 'arm' | 'armt' | 'arm64' | 'ppc' | 'sparc' | 'ia64';

const CONVERTERS: Readonly<Record<BranchFilter, ConverterFactory>> = { x86, arm, armt: armThumb, arm64, ppc: powerPc, sparc, ia64 };

/** Decodes a branch filter's output stream; `startOffset` is the filter's optional start property. */
export async function* decodeBranchFilter(filter: BranchFilter, input: AsyncIterable<Uint8Array>, startOffset = 0): AsyncGenerator<Uint8Array> {
  const convert = CONVERTERS[filter]();
  let ip = startOffset;
  let held: Uint8Array = new Uint8Array(0);
  for await (const chunk of input) {
    if (chunk.length === 0) continue;
    // A copy: the converter writes in place, and the chunk belongs to the decoder before us.
    const data = new Uint8Array(held.length + chunk.length);
    data.set(held, 0);
    data.set(chunk, held.length);
    const done = convert(data, ip);
    ip = u32(ip + done);
    held = data.subarray(done);
    if (done > 0) yield data.subarray(0, done);
  }
  if (held.length > 0) yield held; // the tail no instruction fits in passes unchanged
}

/** Delta: each byte is stored as its difference from the byte `distance` (1–256) before it. */
export async function* decodeDelta(input: AsyncIterable<Uint8Array>, distance: number): AsyncGenerator<Uint8Array> {
  const history = new Uint8Array(256);
  let at = 0;
  for await (const chunk of input) {
    const out = new Uint8Array(chunk.length);
    for (let i = 0; i < chunk.length; i++) {
      const byte = (chunk[i]! + history[(at - distance) & 0xff]!) & 0xff;
      history[at] = byte;
      at = (at + 1) & 0xff;
      out[i] = byte;
    }
    if (out.length > 0) yield out;
  }
}
