import { describe, expect, it } from 'vitest';
import { parseHarborWebhook } from '../../../spec/harbor-webhook.js';
import { pushPayload } from '../../harbor-api/index.js';

const DIGEST = `sha256:${'b'.repeat(64)}`;

describe('parseHarborWebhook', () => {
  it.each(['Default', 'CloudEvents'] as const)('should read a %s PUSH_ARTIFACT payload as Harbor sends it', (format) => {
    const { body } = pushPayload({ repository: 'library/team/model', digest: DIGEST, tag: 'v1', operator: 'robot$ci' }, format);
    const parsed = parseHarborWebhook(JSON.parse(body));
    expect(parsed).toEqual({
      ok: true,
      value: { type: 'PUSH_ARTIFACT', operator: 'robot$ci', repository: 'library/team/model', project: 'library', artifacts: [{ digest: DIGEST, tag: 'v1' }] },
    });
  });

  it('should drop the tag when Harbor repeats the digest for an untagged push', () => {
    const parsed = parseHarborWebhook(JSON.parse(pushPayload({ repository: 'p/m', digest: DIGEST }).body));
    expect(parsed.ok && parsed.value.artifacts).toEqual([{ digest: DIGEST }]);
  });

  it('should keep unknown event types for the caller to ignore', () => {
    const body = { type: 'DELETE_ARTIFACT', occur_at: 1, event_data: { resources: [], repository: { name: 'm', namespace: 'p', repo_full_name: 'p/m' } } };
    expect(parseHarborWebhook(body)).toMatchObject({ ok: true, value: { type: 'DELETE_ARTIFACT', artifacts: [] } });
  });

  it.each([
    ['a missing event_data', { type: 'PUSH_ARTIFACT', occur_at: 1 }, /missing event_data/],
    ['a bad digest', { type: 'PUSH_ARTIFACT', occur_at: 1, event_data: { resources: [{ digest: 'sha256:xyz' }], repository: { name: 'm', namespace: 'p', repo_full_name: 'p/m' } } }, /event_data\.resources\.0\.digest/],
    ['a full name outside its namespace', { type: 'PUSH_ARTIFACT', occur_at: 1, event_data: { resources: [], repository: { name: 'm', namespace: 'p', repo_full_name: 'other/m' } } }, /repo_full_name/],
    ['a CloudEvent of another spec version', { specversion: '0.3', id: 'x', type: 'harbor.artifact.pushed', source: 's', data: {} }, /specversion/],
    ['too many resources', { type: 'PUSH_ARTIFACT', occur_at: 1, event_data: { resources: Array(101).fill({ digest: DIGEST }), repository: { name: 'm', namespace: 'p', repo_full_name: 'p/m' } } }, /resources/],
  ])('should name the field when the payload has %s', (_name, body, message) => {
    const parsed = parseHarborWebhook(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });
});
