// The kernel's TCP tables as text: what the ports list reads from /proc/net/tcp and tcp6.
import { describe, expect, it } from 'vitest';
import { isLoopbackOrAny, listeningSockets, parseProcNetTcp } from '../../../src/features/preview/proc-net.js';

// Lines as a little-endian Linux prints them (trailing spaces included).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1363 1 0000000011fd943f 100 0 0 10 0                      
   1: 0100007F:1435 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 48211 1 0000000000000000 100 0 0 10 0                     
   2: 0100007F:ADFF 0100007F:813C 06 00000000:00000000 03:00000245 00000000     0        0 0 3 000000002e572dce                                      
   3: 0501A8C0:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 48300 1 0000000000000000 100 0 0 10 0                     
   4: 0100007F:0CEA 0100007F:B0C2 01 00000000:00000000 00:00000000 00000000  1000        0 48400 1 0000000000000000 20 4 30 10 -1                    
`;

const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 51234 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000000000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 51235 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:2328 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 51236 1 0000000000000000 100 0 0 10 0
   3: B80D0120000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 51237 1 0000000000000000 100 0 0 10 0
`;

describe('parseProcNetTcp', () => {
  it('reads IPv4 addresses, ports, states, owners and inodes', () => {
    expect(parseProcNetTcp(TCP)).toEqual([
      { address: '0.0.0.0', port: 2024, state: '0A', uid: 0, inode: 1363 },
      { address: '127.0.0.1', port: 5173, state: '0A', uid: 1000, inode: 48211 },
      { address: '127.0.0.1', port: 44543, state: '06', uid: 0, inode: 0 },
      { address: '192.168.1.5', port: 8080, state: '0A', uid: 1000, inode: 48300 },
      { address: '127.0.0.1', port: 3306, state: '01', uid: 1000, inode: 48400 },
    ]);
  });

  it('reads IPv6 addresses word by word, compressed as RFC 5952 writes them', () => {
    expect(parseProcNetTcp(TCP6).map((entry) => [entry.address, entry.port, entry.inode])).toEqual([
      ['::1', 8080, 51234],
      ['::', 3000, 51235],
      ['::ffff:127.0.0.1', 9000, 51236],
      ['2001:db8::1', 80, 51237],
    ]);
  });

  it('reads the words in the order a big-endian machine prints them', () => {
    const line = '   0: 7F000001:1435 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 7 1 0 100 0 0 10 0';
    expect(parseProcNetTcp(line, 'BE')).toEqual([{ address: '127.0.0.1', port: 5173, state: '0A', uid: 1000, inode: 7 }]);
  });

  it('skips the header and lines that are not socket entries', () => {
    expect(parseProcNetTcp('  sl  local_address rem_address   st\n\ngarbage here\n   0: XYZ:0050 00000000:0000 0A 0 0 0 0 0 0\n')).toEqual([]);
  });
});

describe('listening sockets on loopback', () => {
  it('keeps LISTEN entries with an inode', () => {
    expect(listeningSockets(parseProcNetTcp(TCP)).map((entry) => entry.port)).toEqual([2024, 5173, 8080]);
  });

  it('counts loopback and the any-address as reachable, other addresses not', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '0.0.0.0', '::1', '::', '::ffff:127.0.0.1', '::ffff:0.0.0.0']) expect(isLoopbackOrAny(address), address).toBe(true);
    for (const address of ['192.168.1.5', '10.0.0.1', '2001:db8::1', '::ffff:10.0.0.1', 'fe80::1']) expect(isLoopbackOrAny(address), address).toBe(false);
  });
});
