/**
 * ONNX rules (oci-model-formats.md §6.3). External-data rules follow onnx's own containment checks
 * (`onnx/checker.cc` `resolve_external_data_location`) and the advisories behind them: onnx/onnx#3991,
 * CVE-2022-25882, CVE-2024-27318 (path traversal when loading external data) and onnxruntime's
 * `_ORT_MEM_ADDR_` location marker (microsoft/onnxruntime `core/framework/tensorprotoutils.h`), which turns
 * `offset` into a raw memory address.
 */
import { defineRules } from '../finding.js';

const analyzer = 'onnx';
const REEXPORT = 'Re-export the model with the official onnx library (`onnx.save`, `onnx.checker.check_model`) from a trusted source.';
const EXTERNAL_FIX =
  'Keep external data files next to the model and reference them by a plain relative name (`onnx.save(..., save_as_external_data=True, location="model.onnx_data")`); refuse models whose tensors point elsewhere.';

export const ONNX_RULES = defineRules({
  malformed: {
    id: 'onnx.malformed',
    analyzer,
    severity: 'High',
    title: 'ONNX model is not valid protobuf or lacks its graph',
    why: 'The model could not be walked to the end (truncated or invalid wire data) or has no graph; runtimes reject it, and whatever follows the break was not checked.',
    remediation: REEXPORT,
  },
  externalDataEscape: {
    id: 'onnx.external-data-escape',
    analyzer,
    severity: 'Critical',
    title: 'Tensor external data points outside the model directory',
    why: 'An absolute path, a `..` that climbs out of the model directory or a drive or network path makes the runtime read any file on the host into a tensor (onnx/onnx#3991, CVE-2022-25882, CVE-2024-27318), from where model outputs can disclose it.',
    remediation: EXTERNAL_FIX,
  },
  externalDataMemoryAddress: {
    id: 'onnx.external-data-memory-address',
    analyzer,
    severity: 'Critical',
    title: 'Tensor external data uses the onnxruntime in-memory marker',
    why: 'With `location` set to `*/_ORT_MEM_ADDR_/*`, onnxruntime and runtimes copying its logic treat `offset` as a pointer into process memory: a file carrying it reads arbitrary memory of the loading process or crashes it. Only the runtime itself sets this marker; no saved model has it.',
    remediation: EXTERNAL_FIX,
  },
  externalDataSuspiciousLocation: {
    id: 'onnx.external-data-suspicious-location',
    analyzer,
    severity: 'High',
    title: 'Tensor external data location is unusual',
    why: 'The location stays inside the model directory only by some readings: it uses backslashes (a separator on Windows only), `..` components, control characters, a URL-like or home-relative form, or names a directory. The onnx spec disallows `..` and runtimes resolve such names differently, which is how containment checks were bypassed before (CVE-2024-27318).',
    remediation: EXTERNAL_FIX,
  },
  invalidExternalData: {
    id: 'onnx.invalid-external-data',
    analyzer,
    severity: 'Medium',
    title: 'Tensor external data entries are inconsistent',
    why: 'External data needs a `location` and, when given, decimal `offset`/`length` within 64-bit range, and `data_location` set to EXTERNAL; otherwise runtimes reject the tensor or read bytes other than the ones intended.',
    remediation: REEXPORT,
  },
  tensorSizeMismatch: {
    id: 'onnx.tensor-size-mismatch',
    analyzer,
    severity: 'High',
    title: 'Tensor data size does not match its shape and type',
    why: 'The bytes a tensor carries (raw_data, typed values or the external `length`) must equal its element count times the element size. A mismatch makes runtimes read past the data or reject the model; it also hides bytes no tool interprets.',
    remediation: REEXPORT,
  },
  externalDataMissing: {
    id: 'onnx.external-data-missing',
    analyzer,
    severity: 'Medium',
    title: 'Tensor external data file is not among the scanned files',
    why: 'The model reads tensor bytes from a file next to it that the artifact (or the scanned directory) does not hold: it fails to load, or it loads whatever file is put at that path at deployment — bytes no scan has seen.',
    remediation: 'Ship every external data file in the same artifact as the model, at the path its `location` names.',
  },
  invalidTensor: {
    id: 'onnx.invalid-tensor',
    analyzer,
    severity: 'High',
    title: 'Tensor has an unknown data type or an impossible shape',
    why: 'Unknown data types, negative dimensions or element counts beyond 2^53 cannot describe real data; they overflow size computations in runtimes, a classic route to out-of-bounds reads.',
    remediation: REEXPORT,
  },
  customDomain: {
    id: 'onnx.custom-domain',
    analyzer,
    severity: 'Medium',
    title: 'Model uses operators from a custom domain',
    why: 'Operators outside the ONNX and onnxruntime domains run only after a custom-operator library (native code not contained in the model) is registered with the runtime; the model depends on code the scan cannot see.',
    remediation: 'Check that the custom-operator library the model needs comes from a trusted source, or replace the custom operators with standard ONNX ones.',
  },
  unusualOpset: {
    id: 'onnx.unusual-opset',
    analyzer,
    severity: 'Low',
    title: 'Opset import is unusual',
    why: 'An opset version below 1 or above the latest released one, or a domain imported twice with different versions, is not produced by any ONNX exporter; runtimes reject it or pick one of the versions.',
    remediation: REEXPORT,
  },
  unusualIrVersion: {
    id: 'onnx.unusual-ir-version',
    analyzer,
    severity: 'Low',
    title: 'IR version is outside the released range',
    why: 'ONNX IR versions run from 1 to 14 (`onnx.in.proto` `Version`); another value means the model was not written by an ONNX exporter, and runtimes refuse it.',
    remediation: REEXPORT,
  },
});
