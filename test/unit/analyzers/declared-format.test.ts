/**
 * A file that is none of the formats its name claims is stated once: one finding saying so, with each
 * claimed reader's reason in its details — not a content mismatch plus a High per reader that failed.
 * What a reader does find in such a file stays a finding of its own.
 */
import { describe, expect, it } from 'vitest';
import { ENGINE_RULES } from '../../../analyzers/engine-rules.js';
import { makeFinding } from '../../../analyzers/finding.js';
import { statedOnce } from '../../../analyzers/declared-format.js';
import { ARCHIVE_RULES } from '../../../analyzers/archive/rules.js';
import { PICKLE_RULES } from '../../../analyzers/pickle/rules.js';
import { scanBytes } from './protobuf/scan-file.js';

/** Bytes no sniffer places and no model reader accepts (a fixed pseudo-random pattern). */
const NOISE = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 251);

describe('a file that is none of the formats its name claims', () => {
  it.each([
    ['model.pt', ['zip', 'pickle', 'tar']],
    ['model.safetensors', ['safetensors']],
    ['model.onnx', ['protobuf']],
    ['model.h5', ['hdf5']],
    ['model.gguf', ['gguf']],
    ['weights.npy', ['npy']],
    ['model.keras', ['zip']],
  ])('should give %s one finding that says so, with every reader\'s reason', async (name, declared) => {
    const { format, findings } = await scanBytes(name, NOISE);
    expect(format).toBe('unknown');
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([[ENGINE_RULES.noneOfDeclaredFormats.id, 'High']]);
    const [finding] = findings;
    expect(finding!.message).toContain(`claims (${declared.join(', ')})`);
    expect(finding!.details).toMatchObject({ sniffed: 'unknown', declared });
    const readers = finding!.details!.readers as Array<{ analyzer: string; rule: string; reason: string }>;
    expect(readers.length).toBeGreaterThan(0);
    for (const reader of readers) expect(reader.reason.length).toBeGreaterThan(0);
  });

  it('should name each reader of a name that claims several formats', async () => {
    const { findings } = await scanBytes('model.pt', NOISE);
    const readers = findings[0]!.details!.readers as Array<{ rule: string }>;
    // The pickle reader says nothing: noise makes the unpickler raise before anything runs.
    expect(new Set(readers.map((r) => r.rule))).toEqual(new Set([ARCHIVE_RULES.zipMalformed.id, ARCHIVE_RULES.tarMalformed.id]));
    expect(readers.map((r) => r.rule)).not.toContain(PICKLE_RULES.trailingData.id);
  });

  it('should keep a plain mismatch when the content is another format the scanner read', async () => {
    const { findings } = await scanBytes('model.pt', new TextEncoder().encode('just a text file\n'.repeat(10)));
    // Low: text that no loader unpickles runs nothing (the pickle attempt is made and raises).
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([[ENGINE_RULES.contentMismatch.id, 'Low']]);
  });

  it('should keep what a reader found, and fold only the rejections into the mismatch', () => {
    const mismatch = makeFinding(ENGINE_RULES.contentMismatch, 'model.pt', { message: 'content is unknown, but …', details: { sniffed: 'unknown', declared: ['zip', 'pickle'] } });
    const rejection = makeFinding(ARCHIVE_RULES.zipMalformed, 'model.pt', { message: 'no end of central directory record' });
    const found = makeFinding(PICKLE_RULES.dangerousGlobal, 'model.pt', { message: 'os.system' });
    const member = makeFinding(PICKLE_RULES.dangerousGlobal, 'model.pt!data.pkl', { message: 'os.system' });
    const stated = statedOnce(mismatch, [rejection, found]);
    expect(stated.map((f) => f.ruleId)).toEqual([ENGINE_RULES.contentMismatch.id, PICKLE_RULES.dangerousGlobal.id]);
    expect(stated[0]!.details).toMatchObject({ readers: [{ analyzer: 'archive', rule: ARCHIVE_RULES.zipMalformed.id, reason: 'no end of central directory record' }] });
    // A member a reader got out was inspected: the file is not "none of its formats".
    expect(statedOnce(mismatch, [rejection, member]).map((f) => f.ruleId)).toEqual([ENGINE_RULES.contentMismatch.id, PICKLE_RULES.dangerousGlobal.id]);
    expect(statedOnce(mismatch, [rejection]).map((f) => f.ruleId)).toEqual([ENGINE_RULES.noneOfDeclaredFormats.id]);
  });
});
