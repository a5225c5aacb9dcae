import { describe, expect, it } from 'vitest';
import { InFlightScans } from '../../../../server/harbor/in-flight.js';

function scans(maxEntries = 10) {
  let now = 0;
  const inFlight = new InFlightScans({ ttlMs: 1_000, maxEntries, now: () => now });
  return { inFlight, advance: (ms: number) => (now += ms) };
}

describe('InFlightScans', () => {
  it('should refuse a second claim of an artifact while its scan runs, however long', () => {
    const { inFlight, advance } = scans();
    expect(inFlight.claim('p/m@d')).toBe('claimed');
    inFlight.bind('p/m@d', 'job-1');
    advance(60_000);
    expect(inFlight.claim('p/m@d')).toBe('duplicate');
    expect(inFlight.jobOf('p/m@d')).toBe('job-1');
  });

  it('should keep a settled artifact for the TTL and then let it be scanned again', () => {
    const { inFlight, advance } = scans();
    inFlight.claim('p/m@d');
    inFlight.settle('p/m@d');
    advance(999);
    expect(inFlight.claim('p/m@d')).toBe('duplicate');
    advance(1);
    expect(inFlight.claim('p/m@d')).toBe('claimed');
  });

  it('should let a redelivery claim again when handling failed before a scan existed', () => {
    const { inFlight } = scans();
    inFlight.claim('p/m@d');
    inFlight.release('p/m@d');
    expect(inFlight.claim('p/m@d')).toBe('claimed');
  });

  it('should treat the same digest in another repository as another artifact', () => {
    const { inFlight } = scans();
    inFlight.claim(InFlightScans.keyOf('p/a', 'sha256:1'));
    expect(inFlight.claim(InFlightScans.keyOf('p/b', 'sha256:1'))).toBe('claimed');
  });

  it('should refuse new claims when full of running scans and accept them once entries expire', () => {
    const { inFlight, advance } = scans(2);
    inFlight.claim('a');
    inFlight.claim('b');
    expect(inFlight.claim('c')).toBe('full');
    inFlight.settle('a');
    advance(1_000);
    expect(inFlight.claim('c')).toBe('claimed');
    expect(inFlight.size).toBe(2);
  });
});
