// Host names of the twin's stand-ins that are reached over plain TCP rather than through the HTTPS proxy (Synapse
// SQL's TDS on 1433): a process started with `--import <this file>` (NODE_OPTIONS, set by twin/index.ts
// environmentFor) resolves the names in MM_TWIN_HOSTS ("name=address,name=address") to the twin's loopback
// addresses, as a hosts file would; every other name resolves as before. Nothing in the product changes.
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';

export function installTwinHosts(hosts: Record<string, string>): void {
  const original = dns.lookup;
  const patched = ((hostname: string, options: unknown, callback?: unknown) => {
    const address = hosts[hostname.toLowerCase()];
    const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
    if (!address) return (original as (...args: unknown[]) => void)(hostname, options, callback);
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
    process.nextTick(() => (all ? cb(null, [{ address, family: 4 }]) : cb(null, address, 4)));
  }) as typeof dns.lookup;
  dns.lookup = patched;
  syncBuiltinESMExports();
}

export function parseTwinHosts(text: string | undefined): Record<string, string> {
  const hosts: Record<string, string> = {};
  for (const entry of (text ?? '').split(',').filter(Boolean)) {
    const [name, address] = entry.split('=');
    if (name && address) hosts[name.toLowerCase()] = address;
  }
  return hosts;
}

if (process.env.MM_TWIN_HOSTS) installTwinHosts(parseTwinHosts(process.env.MM_TWIN_HOSTS));
