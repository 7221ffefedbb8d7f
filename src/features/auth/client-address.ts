import { isIPv6 } from 'node:net';

/**
 * What limits on sign-ins in progress count by: an IPv4 address as it is, an IPv6 address by its
 * /64, because one subscriber usually holds a whole /64 and could otherwise use a new address per request.
 */
export function addressGroup(ip: string): string {
  const address = ip.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail] = address.split('::');
  // An embedded IPv4 tail (…:1.2.3.4) stands for the last two groups, which a /64 ignores anyway.
  const groups = (part: string | undefined) => (part ? part.split(':').flatMap((group) => (group.includes('.') ? ['0', '0'] : [group])) : []);
  const left = groups(head);
  const right = groups(tail);
  const all = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${all
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}

/** Limits on sign-in flows in progress: per address group and on the whole server. */
export interface SignInCaps {
  perAddress: number;
  total: number;
}

/**
 * The cap a new sign-in flow from `group` would exceed, if any, with the time until the first flow
 * counted against it ends (for Retry-After). Full means refused: no flow in progress is dropped.
 */
export function exceededCap<T extends { group: string }>(
  inProgress: T[],
  group: string,
  caps: SignInCaps,
  msUntilEnd: (flow: T) => number,
): { scope: 'address' | 'server'; retryAfterMs: number } | null {
  const ofGroup = inProgress.filter((flow) => flow.group === group);
  const untilFirstEnds = (flows: T[]) => Math.max(0, Math.min(...flows.map(msUntilEnd)));
  if (ofGroup.length >= caps.perAddress) return { scope: 'address', retryAfterMs: untilFirstEnds(ofGroup) };
  if (inProgress.length >= caps.total) return { scope: 'server', retryAfterMs: untilFirstEnds(inProgress) };
  return null;
}
