/**
 * Which model each licence source speaks for. A scanned folder or image may hold several models side by
 * side (`models/llama/`, `models/bert/`); comparing their licences with each other reports siblings as
 * conflicting and hides a real conflict inside one of them. A model root is a directory holding a model
 * card, a `config.json` or a weights file; the scan's top is always a root (a single-model artifact is
 * that one root). Every file, and every declaration, belongs to its nearest root at or above it;
 * declarations of the packaging (`.`: manifest, ModelPack config, Kitfile annotations) to the top.
 */
import { PACKAGING_FILE } from './packaging.js';
import { licenseFileRole } from './sources.js';

/** The top root: the artifact itself, or the scanned directory. */
export const TOP_ROOT = '';

/** File name endings of model weights, as the model formats name them (oci-model-formats.md). */
const WEIGHT_FILE =
  /\.(?:safetensors|gguf|ggml|bin|pt|pth|ckpt|onnx|h5|hdf5|keras|pb|tflite|pkl|pickle|joblib|npy|npz|msgpack|mlmodel|pte|llamafile)$/i;

export interface ModelRoots {
  /** Every root, the top first; `TOP_ROOT` for the top. */
  readonly roots: readonly string[];
  /** The root a file path (members written `outer!inner`) belongs to. */
  rootOf(file: string): string;
  /** Whether the root holds a model card, config or weights of its own (the top may only hold others). */
  hasMarker(root: string): boolean;
}

export function modelRoots(files: Iterable<string>): ModelRoots {
  const marked = new Set<string>();
  for (const file of files) {
    const outer = outerPath(file);
    const role = licenseFileRole(outer);
    if (role === 'model-card' || role === 'config-json' || WEIGHT_FILE.test(outer)) marked.add(directoryOf(outer));
  }
  const roots = [TOP_ROOT, ...[...marked].filter((r) => r !== TOP_ROOT).sort()];
  const rootOf = (file: string): string => {
    if (file === PACKAGING_FILE) return TOP_ROOT;
    for (let dir = directoryOf(outerPath(file)); dir !== TOP_ROOT; dir = directoryOf(dir)) if (marked.has(dir)) return dir;
    return TOP_ROOT;
  };
  return { roots, rootOf, hasMarker: (root) => marked.has(root) };
}

/** How a root is named in messages: `models/llama/`, or `the artifact` for the top. */
export function describeRoot(root: string): string {
  return root === TOP_ROOT ? 'the artifact' : `${root}/`;
}

/** The file a container member lives in: `a/model.pt!archive/data.pkl` → `a/model.pt`. */
function outerPath(file: string): string {
  const bang = file.indexOf('!');
  return bang < 0 ? file : file.slice(0, bang);
}

function directoryOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? TOP_ROOT : path.slice(0, slash);
}
