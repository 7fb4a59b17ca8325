import dns from 'node:dns';
import net from 'node:net';

/**
 * Where a webhook may point (NT1). A webhook URL is chosen by an admin but fetched by the server,
 * so it must not reach what only the server can reach: private, loopback, link-local, unique-local,
 * multicast, unspecified and other special-purpose addresses are refused unless the configured
 * allow-list (WEBHOOK_ALLOWED_HOSTS) names the host, the address or a CIDR holding it. The same
 * rule runs when a subscription is saved and again when each delivery connects (see `safeLookup`),
 * so a name that resolves differently later (DNS rebinding) is still caught.
 */

export interface UrlPolicy {
  /** Host names, IP addresses and CIDRs, as `parseAllowedHosts` reads them. */
  allowedHosts: string[];
}

export class WebhookUrlRefused extends Error {
  readonly code = 'webhook_url_refused';
  constructor(readonly reason: string) {
    super(`webhook URL refused: ${reason}`);
    this.name = 'WebhookUrlRefused';
  }
}

const MAX_URL_LENGTH = 2048;

// --- addresses as bytes -------------------------------------------------------------------------

/** An address or a CIDR's base: 4 bytes (IPv4) or 16 (IPv6), and how many leading bits count. */
interface Range {
  bytes: Uint8Array;
  bits: number;
}

const withoutBrackets = (host: string) => host.replace(/^\[(.*)\]$/, '$1');
/** A scope (`fe80::1%eth0`) names the interface, not the address. */
const withoutZone = (ip: string) => ip.replace(/%.*$/, '');

function ipv4Bytes(ip: string): Uint8Array {
  return Uint8Array.from(ip.split('.').map(Number));
}

/** 16 bytes of an IPv6 address that `net.isIPv6` accepted (`::` shorthand and a dotted IPv4 tail included). */
function ipv6Bytes(ip: string): Uint8Array {
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  const v4 = tail ? ipv4Bytes(tail[1]) : null;
  const text =
    v4 && tail
      ? ip.slice(0, tail.index) + `${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`
      : ip;
  const [head, rest] = text.split('::');
  const groupsOf = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const before = groupsOf(head);
  const after = groupsOf(rest);
  const groups =
    rest === undefined ? before : [...before, ...Array(8 - before.length - after.length).fill(0), ...after];
  return Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff]));
}

/** The address's bytes, or null when it is not an IP address. */
function addressBytes(ip: string): Uint8Array | null {
  const address = withoutZone(withoutBrackets(ip));
  const family = net.isIP(address);
  if (family === 4) return ipv4Bytes(address);
  if (family === 6) return ipv6Bytes(address);
  return null;
}

function rangeOf(cidr: string): Range {
  const [base, bits, ...extra] = cidr.split('/');
  const bytes = addressBytes(base);
  const prefix = Number(bits);
  if (!bytes || extra.length > 0 || !/^\d{1,3}$/.test(bits ?? '') || prefix > bytes.length * 8)
    throw new Error(`not a CIDR: "${cidr}"`);
  return { bytes, bits: prefix };
}

function inRange(address: Uint8Array, range: Range): boolean {
  if (address.length !== range.bytes.length) return false;
  const whole = Math.floor(range.bits / 8);
  for (let i = 0; i < whole; i++) if (address[i] !== range.bytes[i]) return false;
  const rest = range.bits % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (address[whole] & mask) === (range.bytes[whole] & mask);
}

const formatV4 = (bytes: Uint8Array) => Array.from(bytes).join('.');

// --- which addresses are public -----------------------------------------------------------------

/** IPv4 special-purpose ranges (IANA registry) a webhook must not reach, with what each is. */
const V4_NOT_PUBLIC: [Range, string][] = (
  [
    ['0.0.0.0/8', 'an unspecified ("this network") address'],
    ['10.0.0.0/8', 'a private address'],
    ['100.64.0.0/10', 'a shared (carrier-grade NAT) address'],
    ['127.0.0.0/8', 'a loopback address'],
    ['169.254.0.0/16', 'a link-local address'],
    ['172.16.0.0/12', 'a private address'],
    ['192.0.0.0/24', 'a reserved (IETF protocol) address'],
    ['192.0.2.0/24', 'a documentation address'],
    ['192.88.99.0/24', 'a reserved (6to4 relay) address'],
    ['192.168.0.0/16', 'a private address'],
    ['198.18.0.0/15', 'a reserved (benchmarking) address'],
    ['198.51.100.0/24', 'a documentation address'],
    ['203.0.113.0/24', 'a documentation address'],
    ['224.0.0.0/4', 'a multicast address'],
    ['240.0.0.0/4', 'a reserved address'],
  ] as const
).map(([cidr, kind]) => [rangeOf(cidr), kind]);

/** IPv6 ranges that carry an IPv4 address inside, which decides: where it starts and the prefix. */
const V6_EMBEDDING_V4: [Range, number][] = (
  [
    ['::ffff:0:0/96', 12], // IPv4-mapped
    ['64:ff9b::/96', 12], // NAT64 well-known prefix
    ['2002::/16', 2], // 6to4
  ] as const
).map(([cidr, at]) => [rangeOf(cidr), at]);

/** IPv6 special-purpose ranges (IANA registry) a webhook must not reach, with what each is. */
const V6_NOT_PUBLIC: [Range, string][] = (
  [
    ['::/128', 'an unspecified address'],
    ['::1/128', 'a loopback address'],
    ['64:ff9b:1::/48', 'a reserved (local NAT64) address'],
    ['100::/64', 'a reserved (discard-only) address'],
    ['2001::/23', 'a reserved (IETF protocol) address'],
    ['2001:db8::/32', 'a documentation address'],
    ['3fff::/20', 'a documentation address'],
    ['fc00::/7', 'a unique-local address'],
    ['fe80::/10', 'a link-local address'],
    ['fec0::/10', 'a site-local address'],
    ['ff00::/8', 'a multicast address'],
  ] as const
).map(([cidr, kind]) => [rangeOf(cidr), kind]);

/** Global unicast: an IPv6 address outside it is unallocated or special. */
const V6_GLOBAL_UNICAST = rangeOf('2000::/3');

/** The IPv4 address inside an IPv6 one (mapped, NAT64, 6to4), when there is one. */
function embeddedV4(bytes: Uint8Array): Uint8Array | null {
  if (bytes.length !== 16) return null;
  const found = V6_EMBEDDING_V4.find(([range]) => inRange(bytes, range));
  return found ? bytes.subarray(found[1], found[1] + 4) : null;
}

/** What kind of non-public address `bytes` is, or null when it is public. */
function notPublicKind(bytes: Uint8Array): string | null {
  if (bytes.length === 4) return V4_NOT_PUBLIC.find(([range]) => inRange(bytes, range))?.[1] ?? null;
  const v4 = embeddedV4(bytes);
  if (v4) {
    const kind = notPublicKind(v4);
    return kind && `${kind} (${formatV4(v4)} inside IPv6)`;
  }
  const special = V6_NOT_PUBLIC.find(([range]) => inRange(bytes, range));
  if (special) return special[1];
  return inRange(bytes, V6_GLOBAL_UNICAST) ? null : 'a reserved (not global unicast) address';
}

/**
 * Whether a webhook may reach `ip` without the allow-list: false for private, loopback, link-local,
 * unique-local, shared (CGNAT), multicast, unspecified, documentation and reserved addresses, for
 * IPv4 addresses inside IPv6 (mapped, NAT64, 6to4) that are any of those, and for anything that is
 * not an IP address.
 */
export function isPublicAddress(ip: string): boolean {
  const bytes = addressBytes(ip);
  return bytes !== null && notPublicKind(bytes) === null;
}

// --- the allow-list -----------------------------------------------------------------------------

const HOST_NAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;
const normalHost = (host: string) => withoutBrackets(host.trim().toLowerCase()).replace(/\.$/, '');

/**
 * WEBHOOK_ALLOWED_HOSTS: comma-separated host names, IP addresses and CIDRs (`receiver.internal,
 * 127.0.0.1, 10.1.0.0/16, [::1]`). Throws on an entry that is none of these, so a typo fails at
 * start rather than refusing every delivery.
 */
export function parseAllowedHosts(value: string | undefined): string[] {
  const entries = (value ?? '')
    .split(',')
    .map(normalHost)
    .filter((entry) => entry !== '');
  for (const entry of entries) {
    if (entry.includes('/')) rangeOf(entry);
    else if (!addressBytes(entry) && !HOST_NAME.test(entry))
      throw new Error(`WEBHOOK_ALLOWED_HOSTS: "${entry}" is not a host name, an IP address or a CIDR`);
  }
  return entries;
}

const isHostAllowed = (host: string, policy: UrlPolicy) => policy.allowedHosts.includes(normalHost(host));

/** Mapped IPv6 (`::ffff:a.b.c.d`) compares as the IPv4 address it is. */
function comparable(bytes: Uint8Array): Uint8Array {
  const v4 = bytes.length === 16 && inRange(bytes, V6_EMBEDDING_V4[0][0]) ? bytes.subarray(12) : null;
  return v4 ?? bytes;
}

function isAddressAllowed(bytes: Uint8Array, policy: UrlPolicy): boolean {
  const address = comparable(bytes);
  return policy.allowedHosts.some((entry) => {
    if (entry.includes('/')) return inRange(address, rangeOf(entry));
    const allowed = addressBytes(entry);
    return allowed !== null && Buffer.compare(comparable(allowed), address) === 0;
  });
}

/** Throws naming the first address the policy refuses; `host` is how the URL named it. */
function checkAddresses(host: string, addresses: string[], policy: UrlPolicy): void {
  for (const address of addresses) {
    const bytes = addressBytes(address);
    const kind = bytes ? notPublicKind(bytes) : 'not an IP address';
    if (kind === null || (bytes && isAddressAllowed(bytes, policy))) continue;
    const named = normalHost(host) === normalHost(address) ? `${address} is` : `${host} resolves to ${address},`;
    throw new WebhookUrlRefused(`${named} ${kind}, not in WEBHOOK_ALLOWED_HOSTS`);
  }
}

// --- URLs ---------------------------------------------------------------------------------------

/**
 * Everything about a webhook URL that needs no DNS: its length, http or https only, no user name or
 * password (they would be sent to the receiver and shown in logs), and, when the host is an IP
 * address, that address (Node connects to an address without calling a lookup function, so
 * `safeLookup` never sees it). Throws `WebhookUrlRefused`.
 */
export function checkWebhookTarget(url: string, policy: UrlPolicy): URL {
  if (url.length > MAX_URL_LENGTH) throw new WebhookUrlRefused(`the URL is longer than ${MAX_URL_LENGTH} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookUrlRefused('not an absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new WebhookUrlRefused(`the scheme ${parsed.protocol} is not http or https`);
  if (parsed.username !== '' || parsed.password !== '')
    throw new WebhookUrlRefused('the URL carries a user name or password');
  if (!isHostAllowed(parsed.hostname, policy) && addressBytes(parsed.hostname))
    checkAddresses(parsed.hostname, [withoutBrackets(parsed.hostname)], policy);
  return parsed;
}

/**
 * Checks a webhook URL when a subscription is saved: its form (`checkWebhookTarget`), then every
 * address its host resolves to. Throws `WebhookUrlRefused` with a reason that names the address.
 */
export async function checkWebhookUrl(url: string, policy: UrlPolicy): Promise<URL> {
  const parsed = checkWebhookTarget(url, policy);
  const host = parsed.hostname;
  if (isHostAllowed(host, policy) || addressBytes(host)) return parsed;
  let addresses: dns.LookupAddress[];
  try {
    addresses = await dns.promises.lookup(host, { all: true, verbatim: true });
  } catch (error) {
    throw new WebhookUrlRefused(
      `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'lookup failed'})`,
    );
  }
  checkAddresses(
    host,
    addresses.map((a) => a.address),
    policy,
  );
  return parsed;
}

/**
 * A `lookup` for `http.request` that refuses, at connect time, a host whose addresses the policy
 * does not allow: the connection fails with `WebhookUrlRefused` before a byte is sent.
 */
export function safeLookup(policy: UrlPolicy): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      try {
        if (!isHostAllowed(hostname, policy))
          checkAddresses(
            hostname,
            addresses.map((a) => a.address),
            policy,
          );
      } catch (refused) {
        return callback(refused as WebhookUrlRefused, []);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
