import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

/**
 * A throw-away self-signed certificate for 127.0.0.1: the Azure SDK sends bearer tokens only over https, so the
 * local spec server speaks TLS and the client trusts this certificate through its `ca` option. `dnsNames` adds
 * Azure's own host names (the twin's router sends those to the local stand-ins; see twin/network/router.ts).
 */
export function selfSignedCertificate(dnsNames: readonly string[] = []): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'mm-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        `subjectAltName=${['IP:127.0.0.1', ...dnsNames.map((n) => `DNS:${n}`)].join(',')}`,
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(path.join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type TwinTls = { key: string; cert: string };

/**
 * Makes this process trust the twin's certificate for every TLS connection it opens from now on (the Azure SDK
 * clients included, which take no CA option for storage); child processes get it through NODE_EXTRA_CA_CERTS.
 */
export function trustTwinCertificate(cert: string): void {
  const current = tls.getCACertificates('default');
  if (!current.includes(cert)) tls.setDefaultCACertificates([...current, cert]);
}
