import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from './errors.js';
import {
  formatBytes, formatMs, formatNumber, formatPercent, groupThousands, parseBitRate, parseCount, parseDuration,
  parseProbability, parseSize,
} from './units.js';

test('durations, sizes, bit rates, counts and probabilities parse to base units', () => {
  assert.equal(parseDuration('250ms', '--x'), 250);
  assert.equal(parseDuration('1.5m', '--x'), 90_000);
  assert.equal(parseDuration('10', '--x', 's'), 10_000);
  assert.equal(parseDuration('500us', '--x'), 0.5);
  assert.equal(parseSize('64kb', '--x'), 65_536);
  assert.equal(parseSize('1M', '--x'), 1_048_576);
  assert.equal(parseBitRate('50mbit', '--x'), 50e6);
  assert.equal(parseBitRate('1kbps', '--x'), 8000);
  assert.equal(parseCount('0', '--x', true), 0);
  assert.equal(parseProbability('15%', '--x'), 0.15);
  assert.equal(parseProbability('0.5', '--x'), 0.5);
});

test('a bad value is a one-line ConfigError naming what it came from', () => {
  const bad: Array<[() => unknown, RegExp]> = [
    [() => parseDuration('10x', '--duration'), /^--duration: '10x' is not a duration/],
    [() => parseSize('lots', 'phases[0].size'), /^phases\[0\]\.size: 'lots' is not a size/],
    [() => parseBitRate('50', '--bandwidth'), /^--bandwidth: '50' is not a rate/],
    [() => parseCount('0', '--requests'), /^--requests: '0' must be 1 or more/],
    [() => parseCount('1.5', '--requests'), /is not a whole number/],
    [() => parseProbability('150%', '--x'), /is not a probability between 0 and 1/],
  ];
  for (const [parse, re] of bad) {
    assert.throws(parse, (err: unknown) => err instanceof ConfigError && re.test(err.message) && !err.message.includes('\n'));
  }
});

test('formatting: milliseconds, bytes, numbers, percentages', () => {
  assert.equal(formatMs(0.25), '250 µs');
  assert.equal(formatMs(12.345), '12.3 ms');
  assert.equal(formatMs(2500), '2.50 s');
  assert.equal(formatMs(null), '-');
  assert.equal(formatBytes(32 * 1024), '32.0 KiB');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatNumber(2418.000836241409), '2,418');
  assert.equal(formatNumber(42.46), '42.5');
  assert.equal(formatNumber(0.5), '0.50');
  assert.equal(formatPercent(0.1234), '12.3 %');
});

test('groupThousands groups digits in threes without ICU', () => {
  assert.deepEqual([0, 7, 999, 1000, 12345, 302159, 1234567, -4500].map(groupThousands), ['0', '7', '999', '1,000', '12,345', '302,159', '1,234,567', '-4,500']);
});
