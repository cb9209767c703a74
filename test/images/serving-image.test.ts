// The serving image, built from Dockerfile.serve and asked for a forecast: the service starts inside the image
// (chroot isolation shares the host's network namespace, so its loopback port is the host's), a prod model is
// mounted read-only where environments/local.yaml puts the demo dataset's lake, and one request is answered over loopback.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppImage } from '../../scripts/images/app-images.ts';
import { removeImage } from '../../scripts/images/buildah.ts';
import { runInImage, startInImage } from '../../scripts/images/containers.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import type { ForecastResponse } from '../../src/serving/forecast-route.ts';
import { trainedArtifact } from '../serving/real-artifacts.ts';
import { imagesSkipReason } from './availability.ts';

const TAG = 'localhost/mm-serving:test';
const skip = await imagesSkipReason();

/** Resolves with the first match of `pattern` in the stream's text; rejects if the stream ends first. */
function firstMatch(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match) resolve(match);
    });
    stream.on('end', () => reject(new Error(`stream ended without ${pattern}:\n${text}`)));
  });
}

describe.skipIf(skip)('Dockerfile.serve, built and run', () => {
  let lake: string;

  beforeAll(async () => {
    lake = mkdtempSync(path.join(tmpdir(), 'mm-serving-image-'));
    chmodSync(lake, 0o755); // readable by the service's uid 65532, as a mounted volume would be
    await new LocalModelRegistry({ root: lake, stage: 'prod' }).registerMany([
      {
        artifact: trainedArtifact({ Store: '7', Brand: 'minute.maid' }, { seed: 5, candidates: ['ridge'] }),
        tags: {},
      },
    ]);
    await buildAppImage('serving', { tag: TAG });
  });

  afterAll(async () => {
    if (lake) rmSync(lake, { recursive: true, force: true });
    await removeImage(TAG);
  });

  it('answers a forecast request from inside the image, as the non-root user, and stops on SIGTERM', async () => {
    const server = await startInImage({
      image: TAG,
      // The image's ENTRYPOINT with the test's arguments (buildah run takes the whole command line).
      command: [
        '/nodejs/bin/node',
        'src/serving/main.ts',
        '--config',
        'configs/demo.yaml',
        '--env',
        'local',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--auth',
        'anonymous', // loopback only; Entra tokens are the serving suite's subject, not the image's
      ],
      mounts: [{ source: lake, target: '/app/.mm/local/datasets/demo', readOnly: true }],
    });
    try {
      const [, url] = await firstMatch(server.process.stderr!, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const response = await fetch(`${url}/v1/forecast`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ partition: { Store: '7', Brand: 'minute.maid' }, horizon: 4 }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as ForecastResponse;
      expect(body.model.kind).toBe('ridge');
      expect(body.forecast).toHaveLength(4);
      expect(body.forecast.every((point) => Number.isFinite(point.value))).toBe(true);
      // SIGTERM, as Kubernetes stops a pod: the service drains and exits 0.
      server.kill('SIGTERM');
      const ended = await server.done;
      expect(ended.stderr).toContain('mm serve: stopped');
      expect(ended.exitCode).toBe(0);
    } finally {
      server.kill('SIGKILL');
    }
  });

  it('carries no DuckDB, ECharts or Pulumi, and runs as uid 65532', async () => {
    const probe = await runInImage({
      image: TAG,
      command: [
        '/nodejs/bin/node',
        '-e',
        `const gone = [];
         for (const p of ['@duckdb/node-api', 'echarts', '@pulumi/pulumi', 'piscina', 'mssql'])
           await import(p).then(() => {}, () => gone.push(p));
         const kept = [];
         for (const p of ['fastify', 'prom-client', 'lru-cache', 'zod'])
           await import(p).then(() => kept.push(p), () => {});
         console.log(JSON.stringify({ uid: process.getuid(), gone, kept }));`,
      ],
    });
    expect(probe.exitCode, probe.stderr).toBe(0);
    expect(JSON.parse(probe.stdout)).toEqual({
      uid: 65532,
      gone: ['@duckdb/node-api', 'echarts', '@pulumi/pulumi', 'piscina', 'mssql'],
      kept: ['fastify', 'prom-client', 'lru-cache', 'zod'],
    });
  });
});
