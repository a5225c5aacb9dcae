/** fast-check arbitraries shared by the parser fuzz tests: a valid file with a few bytes changed and maybe cut short. */
import fc from 'fast-check';

export interface MutationOptions {
  /** Bytes changed: at least / at most. */
  readonly minEdits?: number;
  readonly maxEdits?: number;
  /** Only change bytes before this offset (the structure of interest); default the whole file. */
  readonly editWithin?: number;
}

export function mutatedOrTruncated(valid: Uint8Array, options: MutationOptions = {}): fc.Arbitrary<Uint8Array> {
  const within = Math.max(1, Math.min(valid.length, options.editWithin ?? valid.length));
  const edits = fc.array(fc.record({ at: fc.nat({ max: within - 1 }), value: fc.integer({ min: 0, max: 255 }) }), {
    minLength: options.minEdits ?? 1,
    maxLength: options.maxEdits ?? 8,
  });
  return fc.tuple(edits, fc.option(fc.nat({ max: valid.length }))).map(([changes, cut]) => {
    const bytes = valid.slice(0, cut ?? valid.length);
    for (const { at, value } of changes) if (at < bytes.length) bytes[at] = value;
    return bytes;
  });
}
