import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../src/report/write.ts';
import {
  HOSTILE_KEY,
  removeTempRoots,
  signalSpecs,
  tempRoot,
  writePredictions,
  writePrepared,
  writeRun,
} from './fixtures.ts';

/**
 * Opens the written report in headless Chromium (Debian's `chromium`, which CI installs) and checks that a
 * person would see charts: every figure's SVG has drawn marks of a sensible size, the page ran no script,
 * fetched nothing and logged no error. A screenshot lands in the temp folder for a human look.
 */
const CHROMIUM = process.env.MM_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
/** Kept after the run, for a person to look at. */
const SCREENSHOT = path.join(tmpdir(), 'mm-report-screenshot.png');
if (!available) {
  console.warn(
    `report rendering test skipped: ${CHROMIUM} not found (install it with: apt-get install -y chromium)`,
  );
}

interface FigureFacts {
  id: string;
  width: number;
  height: number;
  marks: number;
  lines: number;
  visibleMarks: number;
}

describe.skipIf(!available)('the report in headless Chromium', () => {
  let browser: Browser;
  let file: string;

  beforeAll(async () => {
    const root = tempRoot();
    const specs = signalSpecs();
    const run = writeRun(root, 'run-1', specs);
    await writePrepared(
      root,
      specs.map((s) => s.key),
    );
    await writePredictions(
      root,
      specs.map((s) => s.key),
    );
    file = (await writeReport({ runDir: run.runDir, root })).path;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('renders every chart with drawn marks, no errors, no script and no network', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(file).href;
    await page.goto(url, { waitUntil: 'load' });

    const figures: FigureFacts[] = await page.$$eval('figure.chart', (nodes) =>
      nodes.map((figure) => {
        const svg = figure.querySelector('svg')!;
        const box = svg.getBoundingClientRect();
        // Typed structurally: the test tree has no DOM lib, the page does.
        const marks = [...svg.querySelectorAll('path, rect')] as unknown as {
          getBBox(): { width: number; height: number };
        }[];
        const visible = marks.filter((m) => {
          const b = m.getBBox();
          return b.width > 0 || b.height > 0;
        });
        const lines = [...svg.querySelectorAll('path')].filter(
          (p) => p.getAttribute('fill') === 'none' && (p.getAttribute('d') ?? '').split('L').length > 4,
        );
        return {
          id: figure.id,
          width: box.width,
          height: box.height,
          marks: marks.length,
          lines: lines.length,
          visibleMarks: visible.length,
        };
      }),
    );
    expect(figures.map((f) => f.id)).toEqual([
      'wape-distribution',
      'mase-distribution',
      'beats-baseline',
      'lift-distribution',
      'chosen-kinds',
      'outcomes',
      'failed-rules',
      'partition-0',
      'partition-1',
      'partition-2',
      'partition-3',
      'partition-4',
      'partition-5',
    ]);
    for (const f of figures) {
      expect(f.visibleMarks, f.id).toBeGreaterThan(3);
      expect(f.width, f.id).toBeGreaterThan(400);
      expect(f.height, f.id).toBeGreaterThan(200);
      // Partition charts draw history, actual, forecasts and the scored future as polylines.
      if (f.id.startsWith('partition-')) expect(f.lines, f.id).toBeGreaterThanOrEqual(3);
    }

    expect(await page.locator('script').count()).toBe(0);
    expect(await page.textContent('body')).toContain(`Store=${HOSTILE_KEY[0]}`);
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.close();
  });
});

afterAll(removeTempRoots);
