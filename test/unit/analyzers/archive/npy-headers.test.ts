/**
 * .npy headers as numpy reads them (ast.literal_eval, plus the Python 2 `L` filter for v1/v2): each
 * fixture's header is one numpy's own reader takes for an object array (checked by
 * test/fixtures/archive/readings/generate_npy.py), so the pickle after it must be analysed.
 */
import { describe, expect, it } from 'vitest';
import { fixture } from './fixtures.js';
import { criticalMembers, scanAll } from './full-engine.js';

const NAMES = ['hex-escape', 'octal-escape', 'named-escape', 'concatenated', 'prefixed', 'commented', 'py2-long', 'object-name', 'subarray'];

describe('.npy headers numpy accepts', () => {
  it.each(NAMES)('should analyse the object pickle behind the %s header', async (name) => {
    const findings = await scanAll(`${name}.npy`, fixture(`readings/npy-${name}.npy`));
    expect(findings.map((f) => f.ruleId)).not.toContain('npy.malformed-header');
    expect(criticalMembers(findings).length).toBeGreaterThan(0);
  });
});
