/**
 * What a file claims to be, from its extension and media type, and how a disagreement with the sniffed
 * content is reported. Routing follows content; a file the sniffer cannot place also goes to the
 * claimed formats' readers, whose rejections are stated once ({@link statedOnce}).
 */
import { ARCHIVE_RULES } from './archive/rules.js';
import { ENGINE_RULES } from './engine-rules.js';
import { makeFinding, type Finding } from './finding.js';
import type { Format } from './formats.js';
import { GGUF_RULES } from './gguf/rules.js';
import { KERAS_RULES } from './keras/rules.js';
import { ONNX_RULES } from './onnx/rules.js';
import { NPY_RULES, PICKLE_RULES } from './pickle/rules.js';
import { SAFETENSORS_RULES } from './safetensors/rules.js';
import { TENSORFLOW_RULES } from './tensorflow/rules.js';

const PYTORCH: readonly Format[] = ['zip', 'pickle', 'tar'];

const BY_EXTENSION: Readonly<Record<string, readonly Format[]>> = {
  safetensors: ['safetensors'],
  gguf: ['gguf'],
  pt: PYTORCH,
  pth: PYTORCH,
  bin: [...PYTORCH, 'unknown'],
  ckpt: PYTORCH,
  pkl: ['pickle'],
  pickle: ['pickle'],
  joblib: ['pickle', 'zlib', 'gzip', 'bzip2', 'xz', 'lzma', 'lz4', 'zstd'],
  npy: ['npy'],
  npz: ['zip'],
  keras: ['zip'],
  h5: ['hdf5'],
  hdf5: ['hdf5'],
  onnx: ['protobuf'],
  json: ['json'],
  zip: ['zip'],
  tar: ['tar'],
  // joblib 0.10 writes zlib streams under `.gz`, and its legacy Z-files are zlib too: joblib.load picks
  // the decompressor by magic, so both are what a `.gz` of a model is loaded as.
  gz: ['gzip', 'zlib'],
  tgz: ['gzip'],
  zst: ['zstd'],
  xz: ['xz'],
  bz2: ['bzip2'],
};

const BY_MEDIA_TYPE_SUFFIX: ReadonlyArray<readonly [RegExp, readonly Format[]]> = [
  [/\.(safetensors)$/, ['safetensors']],
  [/\.gguf(\.v\d+)?$|ollama\.image\.(model|adapter|projector)$/, ['gguf']],
];

/** Formats the name or media type admits; undefined when they make no claim. */
export function declaredFormats(path: string, mediaType?: string): readonly Format[] | undefined {
  const base = path.slice(path.lastIndexOf('!') + 1);
  const name = base.slice(base.lastIndexOf('/') + 1).toLowerCase();
  const dot = name.lastIndexOf('.');
  const byName = dot > 0 ? BY_EXTENSION[name.slice(dot + 1)] : undefined;
  if (byName) return byName;
  if (mediaType) for (const [re, formats] of BY_MEDIA_TYPE_SUFFIX) if (re.test(mediaType)) return formats;
  return undefined;
}

/**
 * Findings that only say a reader could not read the file as its format at all (no magic, no header,
 * no structure) — as opposed to something found in what it read. Only these are folded into the one
 * statement of {@link statedOnce}; every other finding stays as it is.
 */
const READER_REJECTIONS: ReadonlySet<string> = new Set(
  [
    ENGINE_RULES.analysisFailed,
    ARCHIVE_RULES.zipMalformed,
    ARCHIVE_RULES.tarMalformed,
    ARCHIVE_RULES.sevenZipMalformed,
    PICKLE_RULES.malformed,
    PICKLE_RULES.trailingData,
    NPY_RULES.malformedHeader,
    SAFETENSORS_RULES.truncated,
    SAFETENSORS_RULES.headerTooLarge,
    SAFETENSORS_RULES.headerOutOfBounds,
    SAFETENSORS_RULES.invalidUtf8,
    SAFETENSORS_RULES.invalidJson,
    SAFETENSORS_RULES.headerNotObject,
    GGUF_RULES.badMagic,
    GGUF_RULES.truncated,
    GGUF_RULES.unsupportedVersion,
    KERAS_RULES.h5Malformed,
    ONNX_RULES.malformed,
    TENSORFLOW_RULES.malformed,
  ].map((rule) => rule.id),
);

/** Reasons quoted in the statement's details; the rest are counted. */
const MAX_REASONS = 10;

/**
 * The findings of a file whose content is none of the formats its name claims, stated once. The engine
 * hands the claimed formats' readers such a file (they explain what is broken); when every one of them
 * only rejected it, that is one finding — the file is none of them and was not inspected as any — with
 * each reader's reason in its details, not a High per reader. When a reader did find something (in the
 * file or in a member it got out), its findings stay and the rejections go into the mismatch's details.
 */
export function statedOnce(mismatch: Finding, findings: readonly Finding[]): Finding[] {
  const rejections = findings.filter((f) => f.file === mismatch.file && READER_REJECTIONS.has(f.ruleId));
  if (rejections.length === 0) return [mismatch, ...findings];
  const rest = findings.filter((f) => !rejections.includes(f));
  const reasons = rejections.slice(0, MAX_REASONS).map((f) => ({ analyzer: f.analyzer, rule: f.ruleId, reason: f.message }));
  const details = { ...mismatch.details, readers: reasons, ...(rejections.length > MAX_REASONS ? { moreReasons: rejections.length - MAX_REASONS } : {}) };
  // Something was read (a finding on the file or on a member a reader got out): not a file none of them could open.
  if (rest.length > 0) return [{ ...mismatch, details }, ...rest];
  const declared = (mismatch.details?.declared as readonly string[] | undefined) ?? [];
  const readers = [...new Set(rejections.map((f) => f.analyzer))];
  return [
    makeFinding(ENGINE_RULES.noneOfDeclaredFormats, mismatch.file, {
      message: `the content is none of the formats its name or media type claims (${declared.join(', ')}): the ${readers.join(', ')} reader${readers.length === 1 ? '' : 's'} rejected it, and it was not inspected as any of them`,
      details,
    }),
    ...rest,
  ];
}
