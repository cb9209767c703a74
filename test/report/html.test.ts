import { describe, expect, it } from 'vitest';
import { esc, keyHtml, verdict } from '../../src/report/html.ts';
import type { Summary } from '../../src/report/summary.ts';

describe('esc', () => {
  it('escapes markup, both quotes and ampersands', () => {
    expect(esc(`<script>alert("x")</script> & 'y'`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;',
    );
  });

  it('keeps unicode and replaces control characters with U+FFFD', () => {
    expect(esc('日本🚀\u0000\u001b[31m')).toBe('日本🚀\uFFFD\uFFFD[31m');
  });
});

describe('keyHtml', () => {
  it('isolates each key value so a right-to-left override cannot reorder the rest', () => {
    expect(keyHtml(['Store', 'Brand'], ['1', '\u202Eevil<b>'])).toBe(
      'Store=<bdi>1</bdi> · Brand=<bdi>\u202Eevil&lt;b&gt;</bdi>',
    );
  });
});

describe('verdict', () => {
  const summary = (meaningful: number, medianLift: number): Summary =>
    ({
      compared: 100,
      meaningfulLift: 0.05,
      medianLift,
      liftShares: { meaningful, marginal: 0, 'no-better': 0, 'is-baseline': 1 - meaningful },
    }) as Summary;

  it('says plainly when nothing beats the baseline', () => {
    const v = verdict(summary(0.03, 0.01));
    expect(v.tone).toBe('bad');
    expect(v.text).toBe(
      'Nothing beats the baseline (naive or historical mean) meaningfully: only 3 % of partitions improve on it by at least 5 %; ' +
        'median improvement over the baseline 1.0 %. Treat these forecasts as no better than the baseline.',
    );
  });

  it('calls a clear win a win, and the middle mixed', () => {
    expect(verdict(summary(0.8, 0.3)).tone).toBe('good');
    expect(verdict(summary(0.35, 0.12)).tone).toBe('mixed');
    expect(verdict({ ...summary(0, 0), compared: 0 }).text).toContain('No partition has both');
  });

  it('does not let chance winners on a noise run read as skill: the median improvement decides', () => {
    // The accelerator's noise sample: 27 % of partitions "win" by >= 5 % on an 8-week holdout, median 0.9 %.
    const v = verdict(summary(0.27, 0.009));
    expect(v.tone).toBe('bad');
    expect(v.text).toMatch(/^Nothing beats the baseline \(naive or historical mean\) meaningfully/);
  });
});
