import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './http-error.ts';

/**
 * `preParsing` hook: a gzip body is decompressed before JSON parsing (fastify's body limit then applies to the
 * decompressed bytes, so a small bomb cannot expand past it); any other coding is refused with 415 and the
 * codings this service accepts, as RFC 9110 section 8.4.1 / RFC 7694 section 3 describe.
 */
export async function decodeContentEncoding(
  request: FastifyRequest,
  _reply: FastifyReply,
  payload: Readable,
): Promise<Readable> {
  const coding = String(request.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (coding === '' || coding === 'identity') return payload;
  if (coding === 'gzip' || coding === 'x-gzip') {
    const gunzip = createGunzip();
    payload.on('error', (error) => gunzip.destroy(error));
    const decoded = payload.pipe(gunzip) as Readable & { receivedEncodedLength?: number };
    // fastify compares the raw length against content-length through this field.
    payload.on('data', (chunk: Buffer) => {
      decoded.receivedEncodedLength = (decoded.receivedEncodedLength ?? 0) + chunk.length;
    });
    return decoded;
  }
  throw new HttpError(
    415,
    `Content-Encoding '${coding}' is not supported: send identity or gzip`,
    undefined,
    {
      'accept-encoding': 'gzip, identity',
    },
  );
}
