/**
 * Layers the walk could not read to the end because of their content. Every one is a finding (fail
 * closed: the files after the failure were not analysed); the cause picks the rule, reusing the archive
 * and engine rules where the failure means what they mean.
 */
import { ARCHIVE_RULES } from '../archive/rules.js';
import { ENGINE_RULES } from '../engine-rules.js';
import type { Rule } from '../finding.js';
import { MANIFEST_RULES } from './rules.js';
import type { LayerErrorCause } from './types.js';
import type { CheckContext } from './view.js';

const RULE_BY_CAUSE: Readonly<Record<LayerErrorCause, Rule>> = {
  'diff-id-mismatch': MANIFEST_RULES.diffIdMismatch,
  'digest-mismatch': MANIFEST_RULES.layerDigestMismatch,
  'size-mismatch': MANIFEST_RULES.blobSizeMismatch,
  'tar-malformed': ARCHIVE_RULES.tarMalformed,
  'decompression-bomb': ARCHIVE_RULES.decompressionBomb,
  'limit-exceeded': ENGINE_RULES.limitExceeded,
  unreadable: MANIFEST_RULES.layerUnreadable,
};

export function checkLayerErrors({ view, report }: CheckContext): void {
  for (const error of view.facts.layerErrors)
    report.add(RULE_BY_CAUSE[error.cause], view.layerName(error.manifestDigest, error.layerDigest), {
      message: `layer ${error.layerDigest} could not be read to the end: ${error.message}`,
      details: { manifest: error.manifestDigest, layer: error.layerDigest, cause: error.cause },
    });
}
