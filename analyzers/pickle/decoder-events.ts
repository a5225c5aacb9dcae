/** What the streaming decoder (decoder.ts) reports to whoever interprets the stream. */

/**
 * One decoded opcode. The decoder reuses a single instance: read it inside the callback only. Only the
 * fields that the opcode's argument kind defines are meaningful.
 */
export interface DecodedOpcode {
  code: number;
  /** Absolute offset of the opcode byte. */
  offset: number;
  /** Absolute offset just after the opcode and its whole argument. */
  end: number;
  /** Integer argument (U1…U8, I4), or the declared payload length for length-prefixed opcodes. */
  arg: number;
  /** Line (without `\n`), payload, or payload prefix; a view valid only during the callback. */
  data: Uint8Array;
  /** Second line of GLOBAL/INST. */
  data2: Uint8Array;
  /** `data` (or `data2`) holds only the first `PAYLOAD_PREFIX_BYTES` bytes (bytes.ts). */
  truncated: boolean;
}

/** An opcode whose argument runs past the end of the FRAME holding it. */
export interface FrameCrossing {
  opcodeOffset: number;
  frameEnd: number;
  /**
   * Bytes of this opcode that a loader reading the frame as one buffer has already consumed when it
   * discards the rest of the frame and re-reads the crossing piece from `frameEnd` (CPython `_pickle.c`
   * refills its input buffer from the file, dropping what was left of the frame).
   */
  replay: Uint8Array;
  /** Bytes from `frameEnd` already received, in order (may be empty). */
  available: Uint8Array[];
  /** Absolute offset of the first byte after `available`. */
  availableEnd: number;
}

export type FrameViolationKind = 'crosses-frame-end' | 'frame-inside-frame' | 'raw-data-inside-frame';

export interface DecoderEvents {
  opcode(op: DecodedOpcode): void;
  frameViolation(kind: FrameViolationKind, offset: number, crossing?: FrameCrossing): void;
  /** Decoding stopped: not an opcode, impossible argument, or end of data inside an opcode. */
  failure(offset: number, reason: string, truncated: boolean): void;
  /** In resync mode: a plausible pickle start was found at `offset`; decoding resumes there. */
  candidate?(offset: number): void;
}
