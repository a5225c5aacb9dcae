/**
 * Registry credentials must survive a restart for queued scans to resume, but must never be written in
 * clear. They are sealed with AES-256-GCM under a key that is not in the data directory: SCANNER_STORE_KEY
 * when set, else a random per-process key (then a restart makes pending credentials unreadable and
 * those scans fail with a message saying so). Sealed values are erased when their job ends.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export class SecretSealer {
  private readonly key: Buffer;

  constructor(key?: Uint8Array) {
    if (key !== undefined && key.length !== 32) throw new Error('store key must be 32 bytes');
    this.key = key ? Buffer.from(key) : randomBytes(32);
  }

  seal(plaintext: string): Uint8Array {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  /** The plaintext, or undefined when it was sealed under another key (e.g. before a restart). */
  open(sealed: Uint8Array): string | undefined {
    const buf = Buffer.from(sealed);
    if (buf.length < 28) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, buf.subarray(0, 12));
      decipher.setAuthTag(buf.subarray(12, 28));
      return Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
