import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Webhook signing secrets (NT1): made here, shown to the admin once, stored sealed. They must be
 * read back to sign, so they are encrypted (AES-256-GCM), not hashed.
 */

const SECRET_PREFIX = 'whsec_';
/** Standard Webhooks asks for 24 to 64 random bytes; 32 gives the 256 bits HMAC-SHA256 can use. */
const SECRET_BYTES = 32;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A new signing secret in the Standard Webhooks form: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** The HMAC key a secret stands for: the bytes its base64 (after `whsec_`) encodes. */
export function webhookSecretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  // Node's base64 decoder skips characters it does not know: without this check a mistyped
  // secret would sign with some other key.
  if (encoded.length === 0 || !BASE64.test(encoded))
    throw new Error('a webhook secret must be whsec_ followed by base64');
  return Buffer.from(encoded, 'base64');
}

export interface SecretBox {
  seal(plain: string): string;
  /** Throws when the sealed text was made under another key or altered. */
  open(sealed: string): string;
}

const SEALED_VERSION = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals text with AES-256-GCM under a key derived from `key` (SHA-256 of it, so any configured
 * string of any length gives a full-strength key). Sealed form: `v1:` + base64(iv | tag | ciphertext);
 * the version leaves room for another scheme without guessing which one a stored value used.
 */
export function secretBox(key: string): SecretBox {
  if (key.length === 0) throw new Error('secretBox needs a non-empty key');
  const aesKey = createHash('sha256').update(key, 'utf8').digest();
  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
      const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return SEALED_VERSION + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
    },
    open(sealed) {
      const encoded = sealed.startsWith(SEALED_VERSION) ? sealed.slice(SEALED_VERSION.length) : null;
      if (encoded === null || !BASE64.test(encoded)) throw new Error('not a sealed secret (expected v1:<base64>)');
      const bytes = Buffer.from(encoded, 'base64');
      if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('sealed secret too short');
      const decipher = createDecipheriv('aes-256-gcm', aesKey, bytes.subarray(0, IV_BYTES));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      return plain.toString('utf8');
    },
  };
}
