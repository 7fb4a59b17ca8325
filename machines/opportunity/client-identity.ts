/**
 * What makes two clients the same client (HO1): the same normalised name, or the same domain.
 * The API matches on these before a deal records its client, and the handoff again when it
 * writes the client, so a returning client is reused rather than duplicated.
 */

/** Legal-form words that do not tell two companies apart ("Acme Plumbing LLC" is "Acme Plumbing"). */
const LEGAL_FORMS = new Set([
  'inc',
  'incorporated',
  'llc',
  'ltd',
  'limited',
  'gmbh',
  'corp',
  'corporation',
  'co',
  'plc',
  'bv',
  'sa',
  'ag',
]);

/** Lower case, accents and punctuation dropped, spaces collapsed, a trailing legal form removed. */
export function clientNameKey(name: string): string {
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter((w) => w.length > 0);
  while (words.length > 1 && LEGAL_FORMS.has(words[words.length - 1])) words.pop();
  return words.join(' ');
}

/** A host name as the client's domain: lower case, without scheme, path, port or a leading `www.`. */
export function clientDomainKey(domain: string): string {
  return domain
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .replace(/[/?#:].*$/, '')
    .replace(/^www\./, '')
    .replace(/\.$/, '');
}

/** A host name with at least one dot, each label letters, digits and inner hyphens (checked after `clientDomainKey`). */
export function isClientDomain(key: string): boolean {
  if (key.length === 0 || key.length > 253) return false;
  const labels = key.split('.');
  return labels.length >= 2 && labels.every((l) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l));
}
