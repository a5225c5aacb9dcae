/**
 * TensorFlow SavedModel rules (oci-model-formats.md §6.8): operations in the graph or its function
 * library that reach outside the computation. Which op belongs to which rule, and why, is in ops.ts.
 */
import { defineRules } from '../finding.js';

const analyzer = 'tensorflow';
const REVIEW =
  'Do not load the model outside a sandbox until the operation is explained. Re-export it from trusted training code without the operation, or serve it with a runtime that does not register it.';

export const TENSORFLOW_RULES = defineRules({
  malformed: {
    id: 'tensorflow.malformed',
    analyzer,
    severity: 'High',
    title: 'SavedModel protobuf is truncated or invalid',
    why: 'The SavedModel could not be walked to the end; TensorFlow refuses it, and operations after the break were not checked.',
    remediation: 'Re-export the SavedModel with `tf.saved_model.save` from a trusted source.',
  },
  pythonCallbackOp: {
    id: 'tensorflow.python-callback-op',
    analyzer,
    severity: 'High',
    title: 'Graph calls back into Python',
    why: '`PyFunc`, `PyFuncStateless` and `EagerPyFunc` run a Python function registered in the loading process under a token (`pyfunc_0`, `pyfunc_1`…). The token is predictable, so the graph can call whatever callbacks the host registered with inputs of its choosing; honest exported models avoid these ops because they cannot be served.',
    remediation: REVIEW,
  },
  fileReadOp: {
    id: 'tensorflow.file-read-op',
    analyzer,
    severity: 'High',
    title: 'Graph reads or lists files',
    why: 'Ops such as `ReadFile`, `ImmutableConst`, `MatchingFiles` and file-based datasets read any path the graph names into tensors; model outputs can then disclose host files (modelscan flags `ReadFile`; TensorAbuse shows the others).',
    remediation: REVIEW,
  },
  fileWriteOp: {
    id: 'tensorflow.file-write-op',
    analyzer,
    severity: 'High',
    title: 'Graph writes files',
    why: 'Ops such as `WriteFile`, `PrintV2` to a `file://` stream and dataset writers create or overwrite any path the graph names — a startup script or an SSH key is enough for code execution later (modelscan flags `WriteFile`; TensorAbuse shows the others).',
    remediation: REVIEW,
  },
  networkOp: {
    id: 'tensorflow.network-op',
    analyzer,
    severity: 'High',
    title: 'Graph talks to the network',
    why: 'Debug ops with `grpc://` URLs, RPC ops and tf.data service ops connect to addresses the graph names, which can send tensors (and what file-reading ops loaded) off the host (TensorAbuse).',
    remediation: REVIEW,
  },
  checkpointOpOutsideSaver: {
    id: 'tensorflow.checkpoint-op-outside-saver',
    analyzer,
    severity: 'High',
    title: 'Checkpoint save or restore outside the SavedModel saver',
    why: 'Every SavedModel has save and restore ops in its saver, which TensorFlow runs with the `variables/` path. The same ops elsewhere in the graph write or read checkpoint files at paths the graph chooses (TensorAbuse `Save`/`SaveV2`/`SaveSlices`), and `MergeV2Checkpoints` can delete directories.',
    remediation: REVIEW,
  },
});
