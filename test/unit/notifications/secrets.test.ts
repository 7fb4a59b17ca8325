import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, secretBox, webhookSecretKey } from '../../../notifications/secrets';

describe('[NT1] webhook secrets', () => {
  it('are whsec_ and base64 of 32 random bytes, each new one different, accepted by the reference library', () => {
    const secrets = Array.from({ length: 20 }, newWebhookSecret);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(webhookSecretKey(secret)).toHaveLength(32);
      expect(() => new Webhook(secret)).not.toThrow();
    }
    expect(new Set(secrets).size).toBe(secrets.length);
  });

  it('refuse a key that is not base64 instead of decoding it to some other key', () => {
    expect(() => webhookSecretKey('whsec_abc$def')).toThrow('base64');
    expect(() => webhookSecretKey('whsec_')).toThrow('base64');
  });
});

describe('[NT1] secretBox (secrets stored encrypted)', () => {
  const box = secretBox('a configured key');

  it('opens what it sealed; the sealed text is versioned and does not contain the secret', () => {
    for (const plain of [newWebhookSecret(), '', 'Zürich 😀']) {
      const sealed = box.seal(plain);
      expect(sealed).toMatch(/^v1:[A-Za-z0-9+/]+={0,2}$/);
      if (plain) expect(sealed).not.toContain(plain);
      expect(box.open(sealed)).toBe(plain);
    }
  });

  it('seals the same text differently each time (a fresh IV)', () => {
    const secret = newWebhookSecret();
    expect(box.seal(secret)).not.toBe(box.seal(secret));
  });

  it('refuses a sealed text altered anywhere: IV, tag or ciphertext', () => {
    const sealed = box.seal(newWebhookSecret());
    const bytes = Buffer.from(sealed.slice(3), 'base64');
    for (const at of [0, 11, 12, 27, 28, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[at] ^= 0x01;
      expect(() => box.open(`v1:${altered.toString('base64')}`)).toThrow();
    }
    expect(() => box.open(`v1:${bytes.subarray(0, 20).toString('base64')}`)).toThrow('too short');
    expect(() => box.open(sealed.slice(3))).toThrow('not a sealed secret');
    expect(() => box.open(`${sealed}$`)).toThrow('not a sealed secret');
  });

  it('does not open under another key: two keys differ', () => {
    const sealed = box.seal('whsec_x');
    expect(() => secretBox('another key').open(sealed)).toThrow();
    expect(secretBox('a configured key').open(sealed)).toBe('whsec_x');
  });

  it('needs a key', () => {
    expect(() => secretBox('')).toThrow('non-empty key');
  });
});
