/**
 * IPv4 CIDR arithmetic for the network section of an environment: enough to check that subnets sit inside
 * their VNet and do not overlap, without a dependency.
 */

/** A parsed IPv4 range. */
export interface Ipv4Range {
  /** First address, as an unsigned 32-bit number. */
  readonly first: number;
  /** Last address, as an unsigned 32-bit number. */
  readonly last: number;
  /** Prefix length (0-32). */
  readonly prefix: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/;

/**
 * Parses `a.b.c.d/n` (or a single address `a.b.c.d`, read as `/32`); undefined when it is not one.
 * A range must start at its network address (`10.0.0.0/24`, not `10.0.0.5/24`), since Azure rejects the rest.
 */
export function parseIpv4Range(text: string): Ipv4Range | undefined {
  const match = CIDR.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  const prefix = match[5] === undefined ? 32 : Number(match[5]);
  if (prefix > 32) return undefined;
  const address = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) return undefined;
  return { first: address, last: address + size - 1, prefix };
}

/** Whether `inner` lies entirely inside `outer`. */
export function contains(outer: Ipv4Range, inner: Ipv4Range): boolean {
  return inner.first >= outer.first && inner.last <= outer.last;
}

/** Whether two ranges share at least one address. */
export function overlaps(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "100.64.0.0/10"].map(
  (r) => parseIpv4Range(r) as Ipv4Range,
);

/** Whether the range is (partly) private or loopback space, which Azure service firewalls ignore. */
export function isPrivateRange(range: Ipv4Range): boolean {
  return PRIVATE_RANGES.some((p) => overlaps(p, range));
}
