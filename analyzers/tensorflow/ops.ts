/**
 * TensorFlow operations that reach outside the graph: files, Python callbacks, the network. A SavedModel
 * runs whatever ops its graph and function library name, so a graph that reads `/etc/passwd` or writes
 * `~/.bashrc` needs no Python code at all.
 *
 * Sources: modelscan flags `ReadFile` and `WriteFile` as HIGH (`modelscan/settings.py`, summarised in
 * model-scanners.md §1.2 and oci-model-formats.md §6.8); the other entries are the file, process and
 * network primitives demonstrated by ZJU-SEC/TensorAbuse (`TensorDetect/settings.py` and its
 * `attack_primitives/`), with their behaviour from the op definitions in tensorflow/tensorflow
 * `tensorflow/core/ops/{io_ops,dataset_ops,experimental_dataset_ops,logging_ops,debug_ops,
 * rpc_ops,script_ops,lookup_ops,summary_ops}.cc`.
 *
 * Severity is about what the op can do on load, weighed against how often honest models contain it:
 * `InitializeTableFromTextFile` reads a vocabulary asset in most text models, so it is Low; checkpoint
 * ops are in every SavedModel's saver and are only reported outside it (see {@link CHECKPOINT_OPS}).
 */
import type { Severity } from '../finding.js';

export type OpCapability = 'python-callback' | 'file-read' | 'file-write' | 'network';

export interface OpRisk {
  readonly capability: OpCapability;
  readonly severity: Severity;
  /** What the op does that matters, for the finding's message. */
  readonly reason: string;
}

const risk = (capability: OpCapability, severity: Severity, reason: string): OpRisk => ({ capability, severity, reason });

const PY_CALLBACK = risk(
  'python-callback',
  'High',
  'calls a Python function registered in the loading process under the token in its attribute (tf.py_function / tf.numpy_function)',
);
const DATASET_READ = risk('file-read', 'Medium', 'reads records from files whose names are inputs of the graph');
const QUEUE_READ = risk('file-read', 'Medium', 'opens files whose names come from a queue in the graph');
const FILE_LIST = risk('file-read', 'Medium', 'lists files matching a pattern (directory reconnaissance; feeds file reads)');
const DATASET_WRITE = risk('file-write', 'High', 'writes dataset elements to files at a path given by the graph');
const DEBUG_SINK = risk('network', 'High', 'sends tensors to its `debug_urls`: `file://` writes them to disk, `grpc://` to a network endpoint');
const RPC = risk('network', 'High', 'makes or serves RPC calls to network addresses given by the graph');
const DATA_SERVICE = risk('network', 'High', 'connects to a tf.data service at an address given by the graph');

/** Ops reported wherever they appear. */
export const RISKY_OPS: ReadonlyMap<string, OpRisk> = new Map([
  ['PyFunc', PY_CALLBACK],
  ['PyFuncStateless', PY_CALLBACK],
  ['EagerPyFunc', PY_CALLBACK],
  ['ReadFile', risk('file-read', 'High', 'reads any file named by its input into a tensor, from where outputs can disclose it')],
  ['ImmutableConst', risk('file-read', 'High', 'memory-maps the file named by its `memory_region_name` attribute')],
  ['MatchingFiles', FILE_LIST],
  ['MatchingFilesDataset', FILE_LIST],
  ['ExperimentalMatchingFilesDataset', FILE_LIST],
  ['FixedLengthRecordDataset', DATASET_READ],
  ['FixedLengthRecordDatasetV2', DATASET_READ],
  ['TextLineDataset', DATASET_READ],
  ['TFRecordDataset', DATASET_READ],
  ['TFRecordDatasetV2', DATASET_READ],
  ['CSVDataset', DATASET_READ],
  ['CSVDatasetV2', DATASET_READ],
  ['ExperimentalCSVDataset', DATASET_READ],
  ['LMDBDataset', DATASET_READ],
  ['ExperimentalLMDBDataset', DATASET_READ],
  ['SqlDataset', risk('file-read', 'Medium', 'opens an SQLite database named by its input and runs a query on it')],
  ['ExperimentalSqlDataset', risk('file-read', 'Medium', 'opens an SQLite database named by its input and runs a query on it')],
  ['LoadDataset', DATASET_READ],
  ['WholeFileReader', QUEUE_READ],
  ['WholeFileReaderV2', QUEUE_READ],
  ['TextLineReader', QUEUE_READ],
  ['TextLineReaderV2', QUEUE_READ],
  ['TFRecordReader', QUEUE_READ],
  ['TFRecordReaderV2', QUEUE_READ],
  ['FixedLengthRecordReader', QUEUE_READ],
  ['FixedLengthRecordReaderV2', QUEUE_READ],
  ['LMDBReader', QUEUE_READ],
  [
    'InitializeTableFromTextFile',
    risk('file-read', 'Low', 'fills a lookup table from a text file; text models use it for their vocabulary asset, but the path can name any file'),
  ],
  [
    'InitializeTableFromTextFileV2',
    risk('file-read', 'Low', 'fills a lookup table from a text file; text models use it for their vocabulary asset, but the path can name any file'),
  ],
  ['WriteFile', risk('file-write', 'High', 'writes its input to any file named by the graph (a startup script, an SSH key…)')],
  ['SaveDataset', DATASET_WRITE],
  ['SaveDatasetV2', DATASET_WRITE],
  ['DistributedSave', DATASET_WRITE],
  ['DatasetToTFRecord', DATASET_WRITE],
  ['ExperimentalDatasetToTFRecord', DATASET_WRITE],
  ['CreateSummaryFileWriter', risk('file-write', 'Medium', 'creates event files in a directory given by the graph')],
  ['CreateSummaryDbWriter', risk('file-write', 'Medium', 'creates or opens an SQLite database at a path given by the graph')],
  ['DebugIdentity', DEBUG_SINK],
  ['DebugIdentityV2', DEBUG_SINK],
  ['DebugIdentityV3', DEBUG_SINK],
  ['DebugNanCount', DEBUG_SINK],
  ['DebugNumericSummary', DEBUG_SINK],
  ['Rpc', RPC],
  ['TryRpc', RPC],
  ['RpcCall', RPC],
  ['RpcClient', RPC],
  ['RpcServer', RPC],
  ['RpcServerStart', RPC],
  ['RpcServerRegister', RPC],
  ['DataServiceDataset', DATA_SERVICE],
  ['DataServiceDatasetV2', DATA_SERVICE],
  ['DataServiceDatasetV3', DATA_SERVICE],
  ['DataServiceDatasetV4', DATA_SERVICE],
  ['RegisterDataset', DATA_SERVICE],
  ['RegisterDatasetV2', DATA_SERVICE],
]);

/**
 * `PrintV2` logs to stderr unless its `output_stream` attribute is `file://<path>`; only then it writes
 * a file (TensorAbuse `attack_primitives/printv2`).
 */
export const PRINT_OP = 'PrintV2';
export const PRINT_TO_FILE = risk('file-write', 'High', 'appends tensors to the file named by its `output_stream` attribute');

/**
 * Checkpoint ops, which every SavedModel's saver uses to write and read `variables/`. Reported only
 * outside the saver, where a SaveV2 with a constant prefix writes files anywhere (TensorAbuse `Save`,
 * `SaveV2`, `SaveSlices`) and `MergeV2Checkpoints` can delete directories. `ShardedFilename`,
 * `ShardedFilespec` and `StringJoin` only build file names and do no I/O, so they are not listed.
 */
export const CHECKPOINT_OPS: ReadonlyMap<string, OpRisk> = new Map([
  ['Save', risk('file-write', 'High', 'writes tensors to a checkpoint file at a path given by the graph')],
  ['SaveV2', risk('file-write', 'High', 'writes tensors to a checkpoint file at a path given by the graph')],
  ['SaveSlices', risk('file-write', 'High', 'writes tensors to a checkpoint file at a path given by the graph')],
  ['MergeV2Checkpoints', risk('file-write', 'High', 'merges checkpoint files and can delete their directories')],
  ['Restore', risk('file-read', 'Medium', 'reads tensors from a checkpoint file at a path given by the graph')],
  ['RestoreV2', risk('file-read', 'Medium', 'reads tensors from a checkpoint file at a path given by the graph')],
  ['RestoreSlice', risk('file-read', 'Medium', 'reads tensors from a checkpoint file at a path given by the graph')],
]);

/** String attributes quoted in findings as evidence (paths, URLs). */
export const EVIDENCE_ATTRS = new Set(['output_stream', 'debug_urls', 'memory_region_name', 'filename', 'token', 'address', 'protocol']);
