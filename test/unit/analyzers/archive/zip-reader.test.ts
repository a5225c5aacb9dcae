import { describe, expect, it } from 'vitest';
import { locateEntry, openEntry, readZipDirectory, type ZipAnomaly } from '../../../../analyzers/archive/zip-reader.js';
import { readZipStream } from '../../../../analyzers/archive/zip-stream.js';
import { BufferSource, ForwardSource, type ByteSource } from '../../../../analyzers/source.js';
import { chunked, collect, fixture } from './fixtures.js';
import { buildZip, type MemberSpec, type ZipSpec } from './zip-writer.js';

const LIMITS = { maxMembers: 1000, maxMemberBytes: 1 << 30 };
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

async function readAll(source: ByteSource): Promise<string> {
  return text(await collect(source.stream(0)));
}

/** Central-directory mode: names, contents (by central name) and anomalies. */
async function viaDirectory(bytes: Uint8Array) {
  const source = new BufferSource(bytes);
  const directory = await readZipDirectory(source, LIMITS);
  if (!directory) return undefined;
  const anomalies: ZipAnomaly[] = [...directory.anomalies];
  const members: Record<string, string> = {};
  for (const entry of directory.entries) {
    const located = await locateEntry(source, entry, anomalies);
    if (located) members[entry.name] = await readAll(openEntry(source, located, 1 << 30));
  }
  return { members, anomalies, entries: directory.entries };
}

/** Stream mode over a forward-only source fed in small chunks. */
async function viaStream(bytes: Uint8Array, chunk = 1000) {
  const anomalies: ZipAnomaly[] = [];
  const members: Record<string, string> = {};
  for await (const { entry, source } of readZipStream(new ForwardSource(chunked(bytes, chunk)), LIMITS, anomalies))
    members[entry.name] = await readAll(source);
  return { members, anomalies };
}

const kinds = (anomalies: ZipAnomaly[]): string[] => anomalies.map((a) => a.kind);

const PLAIN: MemberSpec[] = [
  { name: 'archive/data.pkl', data: 'pickle bytes' },
  { name: 'archive/data/0', data: 'x'.repeat(5000), method: 8 },
];

describe('zip reader', () => {
  const TOLERATED: ReadonlyArray<readonly [string, MemberSpec[], ZipSpec | undefined]> = [
    ['stored and deflated members', PLAIN, undefined],
    ['a local name that differs from the central one', [{ name: 'archive/data.pkl', localName: 'archive/innocent.txt', data: 'pickle bytes' }], undefined],
    ['encryption and patched flags on plain data', [{ name: 'archive/data.pkl', data: 'pickle bytes', flags: 0x61 }], undefined],
    ['a CRC that does not match', [{ name: 'archive/data.pkl', data: 'pickle bytes', crc: 0xdeadbeef }], undefined],
    ['signed data descriptors (stored, as PyTorch writes)', PLAIN.map((m) => ({ ...m, dataDescriptor: 'signed' as const })), undefined],
    ['unsigned data descriptors', PLAIN.map((m) => ({ ...m, dataDescriptor: 'unsigned' as const })), undefined],
    ['ZIP64 descriptors, extras and end record', PLAIN.map((m) => ({ ...m, zip64: true, dataDescriptor: 'signed64' as const })), { zip64End: true }],
    ['PyTorch-style FB padding in the local extra field', [{ name: 'archive/data.pkl', data: 'pickle bytes', localExtra: new Uint8Array([0x46, 0x42, 4, 0, 90, 90, 90, 90]) }], undefined],
  ];

  it.each(TOLERATED)('should read every member by its central name when the zip has %s', async (_, members, spec) => {
    const result = await viaDirectory(buildZip(members, spec));
    for (const m of members) expect(result?.members[m.name]).toBe(typeof m.data === 'string' ? m.data : text(m.data));
  });

  it.each(TOLERATED)('should read every member front to back when a forward-only zip has %s', async (_, members, spec) => {
    const result = await viaStream(buildZip(members, spec), 7);
    const byLocalName = members.map((m) => m.localName ?? m.name);
    expect(Object.keys(result.members)).toEqual(byLocalName);
    expect(Object.values(result.members)).toEqual(members.map((m) => (typeof m.data === 'string' ? m.data : text(m.data))));
    // The central directory that follows is checked: only the disagreeing name is reported (issue 13 §7).
    expect(kinds(result.anomalies)).toEqual(members.some((m) => m.localName) ? ['local-header-mismatch'] : []);
  });

  it.each([
    ['two central entries share one local header', [{ name: 'a', data: 'x' }, { name: 'b', data: 'y', sameLocalHeaderAs: 0 }], undefined, 'where no member starts'],
    ['the central directory declares another data length', [{ name: 'a/data.pkl', data: 'pickle bytes', centralCompressedSize: 3 }], undefined, '(method 0, 3 bytes) at offset 0, where'],
    ['bytes follow the end record', PLAIN, { suffix: new Uint8Array([0x50, 0x4b, 5, 6, ...new Uint8Array(18)]) }, 'end of the archive'],
  ] as const)('should report, reading front to back, a central directory that points elsewhere: %s', async (_, members, spec, says) => {
    const result = await viaStream(buildZip([...members] as MemberSpec[], spec as ZipSpec | undefined), 7);
    expect(result.anomalies.filter((a) => a.kind === 'local-header-mismatch').map((a) => a.message).join()).toContain(says);
  });

  it('should report a local/central name mismatch when the headers disagree', async () => {
    const result = await viaDirectory(buildZip([{ name: 'a/data.pkl', localName: 'a/other.pkl', data: 'x' }]));
    expect(result?.anomalies).toMatchObject([{ kind: 'local-header-mismatch', member: 'a/data.pkl', details: { name: { local: 'a/other.pkl' } } }]);
  });

  it('should shift offsets and report prefix data when bytes precede the archive', async () => {
    const result = await viaDirectory(buildZip(PLAIN, { prefix: new TextEncoder().encode('#!/bin/sh\necho polyglot\n') }));
    expect(result?.members['archive/data.pkl']).toBe('pickle bytes');
    expect(kinds(result!.anomalies)).toEqual(['prefix-data']);
  });

  it('should report the declared entry count when the central directory holds another', async () => {
    const result = await viaDirectory(buildZip(PLAIN, { declaredEntries: 7 }));
    expect(kinds(result!.anomalies)).toEqual(['entry-count-mismatch']);
  });

  it('should stop at maxMembers and report it when there are more entries', async () => {
    const members = Array.from({ length: 12 }, (_, i) => ({ name: `m${i}`, data: 'x' }));
    const directory = await readZipDirectory(new BufferSource(buildZip(members)), { maxMembers: 10 });
    expect(directory?.entries).toHaveLength(10);
    expect(kinds(directory!.anomalies)).toEqual(['too-many-entries']);
  });

  it('should report a member whose local header is missing', async () => {
    const bytes = buildZip(PLAIN);
    bytes[0] = 0x00; // break the first local signature
    const result = await viaDirectory(bytes);
    expect(kinds(result!.anomalies)).toEqual(['bad-local-header']);
    expect(Object.keys(result!.members)).toEqual(['archive/data/0']);
  });

  it('should return undefined when there is no end of central directory', async () => {
    expect(await readZipDirectory(new BufferSource(buildZip(PLAIN, { localOnly: true })), LIMITS)).toBeUndefined();
  });

  it('should read the unix mode when the entry was made on Unix', async () => {
    const result = await viaDirectory(buildZip([{ name: 'link', data: '../../etc/passwd', unixMode: 0o120777 }]));
    expect(result?.entries[0]?.unixMode).toBe(0o120777);
  });

  it('should stop and report when a stream has junk where a record should be', async () => {
    const bytes = buildZip(PLAIN, { localOnly: true });
    const result = await viaStream(new Uint8Array([...bytes, 1, 2, 3, 4, 5]));
    expect(Object.keys(result.members)).toHaveLength(2);
    expect(kinds(result.anomalies)).toEqual(['stream-stopped']);
  });

  it('should skip what the consumer leaves unread when it stops early in stream mode', async () => {
    const anomalies: ZipAnomaly[] = [];
    const names: string[] = [];
    for await (const { entry, source } of readZipStream(new ForwardSource(chunked(buildZip(PLAIN), 100)), LIMITS, anomalies)) {
      names.push(entry.name);
      await source.read(0, 3);
    }
    expect(names).toEqual(['archive/data.pkl', 'archive/data/0']);
  });

  describe.each([
    ['python-zipfile.zip', 'Python zipfile, stored and deflated'],
    ['python-methods.zip', 'Python zipfile, bzip2 and LZMA methods'],
    ['torch-state-dict.pt', 'torch.save (stored, data descriptors, FB padding)'],
  ])('real file %s (%s)', (name) => {
    it('should read the same members in both modes when the file is intact', async () => {
      const bytes = fixture(name);
      const seekable = await viaDirectory(bytes);
      const streamed = await viaStream(bytes, 333);
      expect(Object.keys(seekable!.members).length).toBeGreaterThan(1);
      expect(streamed.members).toEqual(seekable!.members);
      expect(seekable!.anomalies).toEqual([]);
    });
  });
});
