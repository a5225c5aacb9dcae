/**
 * Rules of the manifest analyzer: an artifact's manifests, configs and layers checked against each
 * other and against what the layer walk found (issue 4 §7; oci-model-formats.md §1–§3, §8). Problems
 * that mean the same as an archive or engine rule (a tar member escaping the root, a device file, a limit
 * hit) are reported with that rule instead of a twin.
 *
 * Findings name the layer's file path (normalised annotation or Kitfile path); a manifest, a config or
 * a layer without a path is named by its digest (`sha256:…`).
 */
import { defineRules } from '../finding.js';

const analyzer = 'manifest';

export const MANIFEST_RULES = defineRules({
  configNotJson: {
    id: 'manifest.config-not-json',
    analyzer,
    severity: 'High',
    title: 'Config blob is not valid JSON',
    why: 'Loaders and registries read the model description, licenses and layer digests from the config. A config that does not parse cannot be checked against the layers, so nothing it claims was verified.',
    remediation: 'Rebuild the artifact with its packaging tool (modctl, kit, docker model) so the config is the JSON the specification defines.',
  },
  modelPackMissingField: {
    id: 'manifest.modelpack-config-missing-field',
    analyzer,
    severity: 'High',
    title: 'ModelPack config lacks a required field',
    why: 'The ModelPack schema requires `descriptor`, `config` and `modelfs` (with `type` and `diffIds`); without them consumers cannot map the layers to the model or verify them (modelpack/model-spec `schema/config-schema.json`).',
    remediation: 'Rebuild the artifact with modctl or another ModelPack-conformant tool.',
  },
  modelPackInvalid: {
    id: 'manifest.modelpack-config-invalid',
    analyzer,
    severity: 'Medium',
    title: 'ModelPack config field has the wrong type or value',
    why: 'A field of the ModelPack config does not have the type, format or value the schema allows; consumers that validate reject the artifact, and those that do not may misread it (Harbor shows these fields in its UI).',
    remediation: 'Correct the field in the model description and rebuild the artifact.',
  },
  modelPackUnknownField: {
    id: 'manifest.modelpack-config-unknown-field',
    analyzer,
    severity: 'Low',
    title: 'ModelPack config has a field the schema does not define',
    why: 'The ModelPack schema is strict (`additionalProperties: false`): strict validators reject the artifact, and data outside the schema is invisible to tools that display or check the model.',
    remediation: 'Move extra information into manifest annotations, or remove it, and rebuild the artifact.',
  },
  diffIdsCount: {
    id: 'manifest.diff-ids-count',
    analyzer,
    severity: 'Medium',
    title: 'Config lists a different number of diff IDs than the manifest has layers',
    why: 'Diff IDs (ModelPack `modelfs.diffIds`, image `rootfs.diff_ids`) pair with layers by position. When the counts differ no layer can be matched to its uncompressed digest, so compressed layers could not be verified against the config.',
    remediation: 'Rebuild the artifact so the config lists one diff ID per layer, in layer order.',
  },
  diffIdMismatch: {
    id: 'manifest.diff-id-mismatch',
    analyzer,
    severity: 'High',
    title: 'Layer content does not match its diff ID',
    why: 'The config promises the uncompressed content of each layer by digest; a layer whose content hashes differently was changed after the config was written, or the config was written to mislead verifiers.',
    remediation: 'Do not use the artifact; rebuild it from trusted sources and push it again.',
  },
  unsafeFilepath: {
    id: 'manifest.unsafe-filepath',
    analyzer,
    severity: 'High',
    title: 'File path annotation or Kitfile path escapes the model directory',
    why: 'Consumers write each layer to the path its annotation (`org.cncf.model.filepath`, `org.cnai.model.filepath`, `org.opencontainers.image.title`) or Kitfile entry names. Absolute paths, `..`, backslashes (Windows separators) or NUL bytes write outside the model directory (oci-model-formats.md §1.5).',
    remediation: 'Use a relative path with `/` separators and no `..`, and rebuild the artifact.',
  },
  filepathAmbiguous: {
    id: 'manifest.filepath-ambiguous',
    analyzer,
    severity: 'Medium',
    title: 'Layer carries several file path annotations that disagree',
    why: 'Different consumers read different keys (released Harbor reads `org.cnai.model.filepath`, newer tools `org.cncf.model.filepath`, ORAS the title), so one layer is shown and extracted under different names depending on who reads it.',
    remediation: 'Give the layer one path, the same under every key.',
  },
  pathCollision: {
    id: 'manifest.path-collision',
    analyzer,
    severity: 'High',
    title: 'Two layers claim the same path, or a file where a directory is needed',
    why: 'Which layer wins depends on the consumer (first, last, or an error: Harbor refuses such artifacts with "path conflicts"), so the file that is scanned may not be the file that is loaded.',
    remediation: 'Give every file of the model a unique path and rebuild the artifact.',
  },
  filepathMismatch: {
    id: 'manifest.filepath-mismatch',
    analyzer,
    severity: 'Medium',
    title: 'Layer content lies outside the path its annotation or Kitfile entry names',
    why: 'Registries list files by their annotations and KitOps by Kitfile paths, but extracting the tar writes its own member names; members outside the declared path land where nobody looked, possibly over other files of the model.',
    remediation: 'Rebuild the layer so its members sit at (or under) the path the annotation or Kitfile names.',
  },
  layerEncodingMismatch: {
    id: 'manifest.layer-encoding-mismatch',
    analyzer,
    severity: 'Medium',
    title: 'Layer content is not the encoding its media type declares',
    why: 'Consumers pick a reader from the media type (`….tar`, `….tar+gzip`, `….raw`); a layer declared as a tar that is a bare file, or compressed differently, is unpacked wrongly or not at all, and tools that trust the media type see different content than the scanner.',
    remediation: 'Push the layer with the media type that matches its bytes.',
  },
  layerContentMismatch: {
    id: 'manifest.layer-content-mismatch',
    analyzer,
    severity: 'High',
    title: 'Layer holds executable-capable content its declaration hides',
    why: 'The config declares a safe weight format (safetensors, GGUF, ONNX) or the layer is documentation, yet a file in it is a pickle or a zip that can carry one. Registries and users trust the declared format; loading the file runs the code it carries.',
    remediation: 'Convert the weights to the declared format, or declare the real format so the artifact is treated as code-bearing.',
  },
  fileMetadataInvalid: {
    id: 'manifest.file-metadata-invalid',
    analyzer,
    severity: 'Low',
    title: 'File metadata annotation is not valid',
    why: 'Consumers restore size, mode and type from the `org.cncf.model.file.metadata+json` annotation (modctl restores the mode of raw layers); a value that does not parse is ignored by some and rejected by others.',
    remediation: 'Rebuild the artifact with a packager that writes the metadata annotation as the ModelPack specification defines.',
  },
  fileMetadataMismatch: {
    id: 'manifest.file-metadata-mismatch',
    analyzer,
    severity: 'Medium',
    title: 'File metadata annotation disagrees with the layer',
    why: 'The annotation declares the file’s size, mode and type; consumers trust it (Harbor shows sizes, modctl restores modes), so a disagreement means the layer or its annotation was altered after packaging.',
    remediation: 'Rebuild the artifact so the annotation describes the file the layer holds.',
  },
  blobSizeMismatch: {
    id: 'manifest.blob-size-mismatch',
    analyzer,
    severity: 'High',
    title: 'Layer blob does not have the size its descriptor declares',
    why: 'The descriptor size is part of what the manifest digest protects; a blob of another size is not the blob the manifest describes, and the content past (or missing from) the declared size was not analysed.',
    remediation: 'Push the artifact again from its source; check the registry storage for corruption.',
  },
  layerDigestMismatch: {
    id: 'manifest.layer-digest-mismatch',
    analyzer,
    severity: 'High',
    title: 'Layer blob does not match its digest',
    why: 'The registry (or a proxy or storage behind it) served bytes that do not hash to the digest the manifest names: the content was altered in transit or at rest.',
    remediation: 'Do not use the artifact; check the registry storage and push the artifact again from a trusted source.',
  },
  layerUnreadable: {
    id: 'manifest.layer-unreadable',
    analyzer,
    severity: 'High',
    title: 'Layer could not be read to the end',
    why: 'Decompression or reading the layer failed, so the files after the failure were not analysed and may hide executable content.',
    remediation: 'Rebuild and push the layer again with a standard tool; inspect it manually before use.',
  },
  manifestNotAnalysed: {
    id: 'manifest.not-analysed',
    analyzer,
    severity: 'High',
    title: 'Manifest of the index not analysed',
    why: 'An index entry the scanner could not read as a model or image (nested deeper than it follows, of an unknown packaging, not a manifest at all) was not analysed, yet a client that selects it by platform or annotation pulls it: whatever it holds was not scanned.',
    remediation: 'Scan the entry on its own by digest, or remove it from the index; package models with a supported tool (modctl, kit, docker model, ORAS).',
  },
  kitfileLayerMissing: {
    id: 'manifest.kitfile-layer-missing',
    analyzer,
    severity: 'High',
    title: 'Kitfile entry names a layer the manifest does not have',
    why: 'KitOps unpacks model, parts, code, datasets and docs by the layer digests the Kitfile records; an entry whose layer is absent describes content that was never scanned, or the Kitfile was edited after packing.',
    remediation: 'Repack the ModelKit with `kit pack` so the Kitfile and the layers agree.',
  },
  kitfileLayerUnlisted: {
    id: 'manifest.kitfile-layer-unlisted',
    analyzer,
    severity: 'Medium',
    title: 'Layer not described by any Kitfile entry',
    why: 'Every ModelKit layer belongs to a Kitfile entry; a layer no entry names is invisible to KitOps but present for any other consumer of the artifact.',
    remediation: 'Repack the ModelKit with `kit pack`, or remove the extra layer.',
  },
  whiteoutEntry: {
    id: 'manifest.whiteout-entry',
    analyzer,
    severity: 'Medium',
    title: 'Model layer contains an overlay whiteout entry',
    why: 'Whiteout names (`.wh.<name>`, `.wh..wh..opq`) delete files of other layers when a consumer applies layers as an overlay (container runtimes, image volumes), so what is loaded can differ from what was scanned; model layers never need them (opencontainers/image-spec `layer.md`).',
    remediation: 'Remove the whiteout entries and rebuild the layer.',
  },
});

/** Every manifest rule, for the rule catalogue. */
export const MANIFEST_RULE_LIST = Object.values(MANIFEST_RULES);
