/**
 * Bounded random access to an HDF5 file (HDF Group "HDF5 File Format Specification Version 3.0"): every
 * read is checked against the file size and a per-structure cap before it is made, so addresses and
 * sizes taken from the file never size a buffer on their own.
 */
import { LimitExceededError } from '../../engine-rules.js';
import { readExactly, type ByteSource } from '../../source.js';

/** The structure is broken: truncated, out of bounds or without its signature. */
export class H5FormatError extends Error {
  override readonly name = 'H5FormatError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** A valid layout this reader does not cover (dense attributes, shared messages, unknown versions). */
export class H5UnsupportedError extends Error {
  override readonly name = 'H5UnsupportedError';
}

/** Sizes of file offsets and lengths (superblock fields), and where addresses count from. */
export interface H5Geometry {
  readonly offsetSize: number;
  readonly lengthSize: number;
  /** Absolute file position that addresses are relative to (the superblock, after a user block). */
  readonly base: number;
}

/** A cursor over bytes already read, decoding little-endian fields. */
export class H5Cursor {
  private readonly view: DataView;
  pos = 0;

  constructor(
    readonly bytes: Uint8Array,
    /** Absolute file position of bytes[0], for error messages. */
    readonly origin: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.pos++);
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  /** An unsigned integer of 1, 2, 4 or 8 bytes; undefined for the all-ones "undefined address". */
  sized(size: number): number | undefined {
    this.need(size);
    let value = 0;
    let allOnes = true;
    for (let i = size - 1; i >= 0; i--) {
      const b = this.bytes[this.pos + i]!;
      allOnes &&= b === 0xff;
      value = value * 256 + b;
    }
    this.pos += size;
    if (allOnes) return undefined;
    if (!Number.isSafeInteger(value)) throw new H5FormatError(`value at offset ${this.origin + this.pos - size} exceeds 2^53`, this.origin + this.pos - size);
    return value;
  }
  take(length: number): Uint8Array {
    this.need(length);
    const out = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }
  skip(length: number): void {
    this.need(length);
    this.pos += length;
  }
  /** Moves to the next multiple of `alignment` relative to the start of these bytes. */
  align(alignment: number): void {
    const pad = (alignment - (this.pos % alignment)) % alignment;
    this.skip(Math.min(pad, this.remaining));
  }

  private need(length: number): void {
    if (length < 0 || this.pos + length > this.bytes.length)
      throw new H5FormatError(`structure at offset ${this.origin + this.pos} is shorter than its fields`, this.origin + this.pos);
  }
}

export class H5File {
  constructor(
    private readonly source: ByteSource,
    /** Largest single structure read, in bytes. */
    readonly maxRead: number,
  ) {}

  get size(): number | undefined {
    return this.source.size;
  }

  /** `length` bytes at absolute position `at`, within the file and the read cap. */
  async read(at: number, length: number, what: string): Promise<H5Cursor> {
    if (length > this.maxRead) throw new LimitExceededError(`hdf5 ${what} bytes`, length, this.maxRead);
    const size = this.source.size;
    if (at < 0 || length < 0 || (size !== undefined && at + length > size))
      throw new H5FormatError(`${what} at offset ${at} (${length} bytes) lies outside the file`, at);
    try {
      return new H5Cursor(await readExactly(this.source, at, length), at);
    } catch (error) {
      if ((error as { code?: string }).code === 'E_TRUNCATED') throw new H5FormatError(`file ends inside the ${what} at offset ${at}`, at);
      throw error;
    }
  }
}
