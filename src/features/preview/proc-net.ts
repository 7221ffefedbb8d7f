// The kernel's table of TCP sockets (/proc/net/tcp and /proc/net/tcp6, proc(5)), parsed without
// reading anything: the listening sockets, their addresses, owners and inodes. The inode is what
// /proc/<pid>/fd/* links name (`socket:[12345]`), which ties a socket to the processes holding it.

/** `st` of a socket in LISTEN state (include/net/tcp_states.h: TCP_LISTEN = 10). */
const LISTEN = '0A';

export interface TcpSocketEntry {
  /** `127.0.0.1`, `0.0.0.0`, `::1`, `::`, `::ffff:127.0.0.1`… */
  address: string;
  port: number;
  /** The socket's state as the kernel prints it (two hex digits; `0A` is LISTEN). */
  state: string;
  /** The account that opened it. */
  uid: number;
  inode: number;
}

/**
 * Each line of /proc/net/tcp or /proc/net/tcp6 after the header: `sl local_address rem_address st
 * tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …`. The kernel prints each 32-bit word
 * of an address as a number in the machine's byte order (`0100007F` is 127.0.0.1 on little-endian
 * machines). Lines that do not parse are skipped.
 */
export function parseProcNetTcp(text: string, endianness: 'LE' | 'BE' = 'LE'): TcpSocketEntry[] {
  const entries: TcpSocketEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || !/^\d+:$/.test(fields[0]!)) continue;
    const local = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(fields[1]!);
    const uid = Number(fields[7]);
    const inode = Number(fields[9]);
    if (!local || !/^[0-9A-Fa-f]{2}$/.test(fields[3]!) || !Number.isInteger(uid) || !Number.isInteger(inode)) continue;
    entries.push({
      address: formatAddress(addressBytes(local[1]!, endianness)),
      port: Number.parseInt(local[2]!, 16),
      state: fields[3]!.toUpperCase(),
      uid,
      inode,
    });
  }
  return entries;
}

/** The sockets of a table in LISTEN state, with an inode (a socket being torn down has none). */
export function listeningSockets(entries: readonly TcpSocketEntry[]): TcpSocketEntry[] {
  return entries.filter((entry) => entry.state === LISTEN && entry.inode > 0);
}

/** The address's bytes in network order, from the kernel's words in the machine's order. */
function addressBytes(hex: string, endianness: 'LE' | 'BE'): number[] {
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const wordBytes = [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(word + i, word + i + 2), 16));
    bytes.push(...(endianness === 'LE' ? wordBytes.reverse() : wordBytes));
  }
  return bytes;
}

function formatAddress(bytes: number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  const isMappedV4 = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isMappedV4) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // The longest run of two or more zero groups becomes `::` (RFC 5952).
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * Whether a listening address can be reached on loopback: a loopback address itself (127.0.0.0/8,
 * ::1, their IPv4-mapped forms) or the "any" address (0.0.0.0, ::). A socket bound to one other
 * address (a LAN address) cannot be previewed.
 */
export function isLoopbackOrAny(address: string): boolean {
  const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  return plain === '0.0.0.0' || plain === '::' || plain === '::1' || /^127\.\d+\.\d+\.\d+$/.test(plain);
}
