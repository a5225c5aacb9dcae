/**
 * The SPDX reference texts as shingle sets, for full-text licence identification (./text-match.ts).
 * Building it from `spdx-license-list/full` costs about a second (loading 5 MB of texts, normalising and
 * hashing them), which a CLI scan of one licence file would pay every time: `npm run build` writes the
 * index beside this module (`reference-index.bin`), and it is read from there when it was made from the
 * installed lists by this algorithm; otherwise (sources run by tsx, updated packages) it is built here.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { fileURLToPath } from 'node:url';
import licenseIds from 'spdx-license-ids/index.json' with { type: 'json' };
import { licenseWords, SHINGLE_ALGORITHM, shingles } from './text-normalize.js';

export interface Reference {
  /** SPDX ids sharing this text, the preferred reading first. */
  readonly ids: readonly string[];
  readonly name: string;
  readonly shingles: Uint32Array;
}

const INDEX_FILE = fileURLToPath(new URL('./reference-index.bin', import.meta.url));

/**
 * What the index was made from: the installed lists' versions and the shingle algorithm — and the byte
 * order, since the hashes are read back as views in the machine's own.
 */
function indexSource(): string {
  const require = createRequire(import.meta.url);
  const version = (name: string) => (require(`${name}/package.json`) as { version: string }).version;
  return `spdx-license-list@${version('spdx-license-list')} spdx-license-ids@${version('spdx-license-ids')} ${SHINGLE_ALGORITHM} ${endianness()}`;
}

/** The index written by the build when it matches the installed lists; otherwise built from the texts. */
export async function loadReferenceIndex(): Promise<readonly Reference[]> {
  const stored = await readFile(INDEX_FILE).catch(() => undefined);
  return (stored && decodeReferenceIndex(stored, indexSource())) ?? buildReferenceIndex();
}

/** Writes the index for {@link loadReferenceIndex} (run by `npm run build`). */
export async function writeReferenceIndex(): Promise<void> {
  await writeFile(INDEX_FILE, encodeReferenceIndex(await buildReferenceIndex(), indexSource()));
}

/**
 * One reference per distinct text. Ids sharing a text are grouped with `-only` first: a bare GPL text
 * does not say "or any later version", so `-only` is the reading that claims nothing extra.
 */
export async function buildReferenceIndex(): Promise<readonly Reference[]> {
  const { default: full } = await import('spdx-license-list/full.js');
  const current = new Set(licenseIds);
  const byText = new Map<string, { ids: string[]; name: string; shingles: Uint32Array }>();
  for (const [id, license] of Object.entries(full)) {
    if (!current.has(id)) continue;
    const hashes = shingles(licenseWords(license.licenseText));
    if (hashes.length === 0) continue;
    const key = Buffer.from(hashes.buffer, hashes.byteOffset, hashes.byteLength).toString('base64');
    const group = byText.get(key);
    if (group) group.ids.push(id);
    else byText.set(key, { ids: [id], name: license.name, shingles: hashes });
  }
  return [...byText.values()].map((group) => {
    const ids = [...group.ids].sort((a, b) => preference(a) - preference(b) || a.localeCompare(b));
    return { ids, name: full[ids[0]!]?.name ?? group.name, shingles: group.shingles };
  });
}

function preference(id: string): number {
  return id.endsWith('-only') ? 0 : id.endsWith('-or-later') ? 2 : 1;
}

/**
 * `u32` length of a JSON head ({source, references: [{ids, name, count}]}), the head padded to a multiple
 * of 4, then every reference's shingles as `u32` in order (machine byte order, named in `source`).
 */
export function encodeReferenceIndex(references: readonly Reference[], source: string): Buffer {
  const head = Buffer.from(JSON.stringify({ source, references: references.map((r) => ({ ids: r.ids, name: r.name, count: r.shingles.length })) }));
  const headBytes = 4 + Math.ceil(head.length / 4) * 4;
  const out = Buffer.alloc(headBytes + 4 * references.reduce((sum, r) => sum + r.shingles.length, 0));
  out.writeUInt32LE(head.length, 0);
  head.copy(out, 4);
  let offset = headBytes;
  for (const r of references) {
    out.set(new Uint8Array(r.shingles.buffer, r.shingles.byteOffset, r.shingles.byteLength), offset);
    offset += r.shingles.byteLength;
  }
  return out;
}

/** The references in `bytes`, or undefined when they were made from another `source` or are damaged. */
export function decodeReferenceIndex(bytes: Buffer, source: string): Reference[] | undefined {
  try {
    const headLength = bytes.readUInt32LE(0);
    const head = JSON.parse(bytes.subarray(4, 4 + headLength).toString('utf8')) as {
      source: string;
      references: Array<{ ids: string[]; name: string; count: number }>;
    };
    if (head.source !== source) return undefined;
    const start = 4 + Math.ceil(headLength / 4) * 4;
    const total = head.references.reduce((sum, r) => sum + r.count, 0);
    if (start + 4 * total !== bytes.length) return undefined;
    // One aligned copy of all hashes; each reference is a view into it.
    const all = new Uint32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + bytes.length));
    let at = 0;
    return head.references.map(({ ids, name, count }) => ({ ids, name, shingles: all.subarray(at, (at += count)) }));
  } catch {
    return undefined;
  }
}
