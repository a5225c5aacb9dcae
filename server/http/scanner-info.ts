/** Who we are in every report and in the metadata (Harbor requires all three non-empty, §3.3). */
import pkg from '../../package.json' with { type: 'json' };

export const SCANNER = Object.freeze({ name: 'harbor-scanner-models', vendor: 'harbor-scanner-models', version: pkg.version });
