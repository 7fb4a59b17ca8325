import type { LookupAddress } from 'node:dns';
import {
  checkWebhookUrl,
  isPublicAddress,
  parseAllowedHosts,
  safeLookup,
  WebhookUrlRefused,
  type UrlPolicy,
} from '../../../notifications/url-safety';

const none: UrlPolicy = { allowedHosts: [] };

describe('[NT1] isPublicAddress', () => {
  it.each([
    ['10.0.0.1', 'private 10/8'],
    ['10.255.255.255', 'private 10/8, last'],
    ['172.16.0.1', 'private 172.16/12'],
    ['172.31.255.255', 'private 172.16/12, last'],
    ['192.168.1.1', 'private 192.168/16'],
    ['127.0.0.1', 'loopback'],
    ['127.1.2.3', 'loopback 127/8'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.64.0.1', 'CGNAT 100.64/10'],
    ['100.127.255.255', 'CGNAT, last'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', '0/8'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast, last block'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'TEST-NET-1'],
    ['198.51.100.7', 'TEST-NET-2'],
    ['203.0.113.9', 'TEST-NET-3'],
    ['198.18.0.1', 'benchmarking'],
    ['::1', 'IPv6 loopback'],
    ['::', 'IPv6 unspecified'],
    ['fe80::1', 'link-local fe80::/10'],
    ['febf:ffff::1', 'link-local, last'],
    ['fc00::1', 'unique-local fc00::/7'],
    ['fd12:3456::1', 'unique-local fd'],
    ['ff02::1', 'IPv6 multicast'],
    ['2001:db8::1', 'IPv6 documentation'],
    ['::ffff:127.0.0.1', 'v4-mapped loopback'],
    ['::ffff:7f00:1', 'v4-mapped loopback, hex'],
    ['::ffff:10.0.0.1', 'v4-mapped private'],
    ['::ffff:169.254.169.254', 'v4-mapped link-local'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of 169.254.169.254'],
    ['2002:7f00:1::1', '6to4 of 127.0.0.1'],
    ['::127.0.0.1', 'IPv4-compatible (deprecated)'],
    ['fe80::1%eth0', 'link-local with a zone'],
    ['not an address', 'not an IP'],
    ['', 'empty'],
  ])('%s is not public (%s)', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each([
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['172.15.255.255'],
    ['172.32.0.1'],
    ['100.63.255.255'],
    ['100.128.0.1'],
    ['169.253.255.255'],
    ['223.255.255.255'],
    ['2606:4700::1111'],
    ['2a00:1450:4001:82a::200e'],
    ['::ffff:8.8.8.8'],
    ['64:ff9b::808:808'],
    ['2002:808:808::1'],
  ])('%s is public', (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });
});

describe('[NT1] parseAllowedHosts (WEBHOOK_ALLOWED_HOSTS)', () => {
  it('reads host names, IPs and CIDRs, trimmed and lower-cased, brackets dropped', () => {
    expect(parseAllowedHosts(' Receiver.Example , 127.0.0.1,10.1.0.0/16,[::1], fd00::/8,,')).toEqual([
      'receiver.example',
      '127.0.0.1',
      '10.1.0.0/16',
      '::1',
      'fd00::/8',
    ]);
    expect(parseAllowedHosts(undefined)).toEqual([]);
    expect(parseAllowedHosts('')).toEqual([]);
  });

  it.each(['10.0.0.0/33', '10.0.0.0/', 'receiver:8080', 'two words', 'http://x.example', '::1/129', '10.0.0.0/8/9'])(
    'refuses %j',
    (entry) => {
      expect(() => parseAllowedHosts(`ok.example,${entry}`)).toThrow();
    },
  );
});

async function refusal(url: string, policy: UrlPolicy = none): Promise<string> {
  const error = await checkWebhookUrl(url, policy).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebhookUrlRefused);
  expect((error as WebhookUrlRefused).code).toBe('webhook_url_refused');
  return (error as WebhookUrlRefused).reason;
}

describe('[NT1] checkWebhookUrl', () => {
  it.each([
    ['file:///etc/passwd', 'scheme file:'],
    ['ftp://8.8.8.8/hook', 'scheme ftp:'],
    ['javascript:alert(1)', 'scheme javascript:'],
    ['http://user:pass@8.8.8.8/hook', 'user name or password'],
    ['https://token@8.8.8.8/hook', 'user name or password'],
    ['not a url', 'not an absolute URL'],
    [`https://8.8.8.8/${'a'.repeat(2049 - 'https://8.8.8.8/'.length)}`, 'longer than 2048'],
  ])('refuses %s (%s)', async (url, reason) => {
    expect(await refusal(url)).toContain(reason);
  });

  it.each([
    ['http://localhost:8080/hook', 'localhost resolves to 127.0.0.1, a loopback address'],
    ['http://127.0.0.1/hook', '127.0.0.1 is a loopback address'],
    ['http://[::1]/hook', '::1 is a loopback address'],
    ['http://169.254.169.254/latest/meta-data', '169.254.169.254 is a link-local address'],
    ['http://10.0.0.1/', '10.0.0.1 is a private address'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1 is a loopback address (127.0.0.1 inside IPv6)'],
    ['http://2130706433/', '127.0.0.1 is a loopback address'],
    ['http://0x7f.1/', '127.0.0.1 is a loopback address'],
    ['http://0.0.0.0:3000/', '0.0.0.0 is an unspecified'],
    ['http://nothing.invalid/', 'nothing.invalid does not resolve'],
  ])('refuses %s, naming the address', async (url, reason) => {
    expect(await refusal(url)).toContain(reason);
  });

  it('accepts a public address', async () => {
    expect((await checkWebhookUrl('https://8.8.8.8/hooks?x=1', none)).href).toBe('https://8.8.8.8/hooks?x=1');
    expect((await checkWebhookUrl('http://[2606:4700::1111]/', none)).hostname).toBe('[2606:4700::1111]');
  });

  it('accepts 127.0.0.1 only when the allow-list names it', async () => {
    const policy = { allowedHosts: parseAllowedHosts('127.0.0.1') };
    expect((await checkWebhookUrl('http://127.0.0.1:9999/hook', policy)).port).toBe('9999');
    expect(await checkWebhookUrl('http://localhost:9999/hook', policy)).toBeInstanceOf(URL);
    expect(await refusal('http://127.0.0.2/hook', policy)).toContain('127.0.0.2 is a loopback address');
    expect(await refusal('http://[::1]/hook', policy)).toContain('::1');
  });

  it('accepts addresses inside an allowed CIDR, and no others', async () => {
    const policy = { allowedHosts: parseAllowedHosts('10.1.0.0/16, fd00::/8') };
    await expect(checkWebhookUrl('http://10.1.2.3/hook', policy)).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl('http://[::ffff:10.1.2.3]/hook', policy)).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl('http://[fd00::5]/hook', policy)).resolves.toBeInstanceOf(URL);
    expect(await refusal('http://10.2.0.1/hook', policy)).toContain('10.2.0.1 is a private address');
    expect(await refusal('http://[fe80::1]/hook', policy)).toContain('link-local');
  });

  it('accepts a host the allow-list names by name, whatever it resolves to', async () => {
    await expect(checkWebhookUrl('http://LOCALHOST./hook', { allowedHosts: ['localhost'] })).resolves.toBeInstanceOf(
      URL,
    );
  });
});

function lookup(policy: UrlPolicy, host: string, options: { all?: boolean }) {
  return new Promise<{ error: Error | null; address: string | LookupAddress[]; family?: number }>((resolve) =>
    safeLookup(policy)(host, options, (error, address, family) => resolve({ error, address, family })),
  );
}

describe('[NT1] safeLookup (the check at connect time)', () => {
  it('fails the connection to a host resolving to a refused address', async () => {
    for (const all of [true, false]) {
      const { error } = await lookup(none, 'localhost', { all });
      expect(error).toBeInstanceOf(WebhookUrlRefused);
      expect((error as WebhookUrlRefused).reason).toContain('localhost resolves to 127.0.0.1');
    }
  });

  it('answers like dns.lookup when the address is allowed, in both callback forms', async () => {
    const policy = { allowedHosts: ['127.0.0.0/8'] };
    expect(await lookup(policy, 'localhost', { all: true })).toEqual({
      error: null,
      address: [{ address: '127.0.0.1', family: 4 }],
      family: undefined,
    });
    expect(await lookup(policy, 'localhost', {})).toEqual({ error: null, address: '127.0.0.1', family: 4 });
  });

  it('passes on a resolution error', async () => {
    const { error } = await lookup(none, 'nothing.invalid', { all: true });
    expect((error as NodeJS.ErrnoException).code).toBe('ENOTFOUND');
  });
});
