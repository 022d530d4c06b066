import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCodeName, extensionFrameName, frameTypeName, h2ErrorLabel, h2ErrorName, settingName } from './names.js';

test('error codes: RFC 9113 §7 names in text and label form', () => {
  assert.equal(h2ErrorName(8), 'CANCEL(0x8)');
  assert.equal(h2ErrorName(0x99), 'UNKNOWN(0x99)');
  assert.equal(h2ErrorLabel(7), 'REFUSED_STREAM');
  assert.equal(h2ErrorLabel(0x1f), '0x1f');
  assert.equal(errorCodeName(0xd), 'HTTP_1_1_REQUIRED');
  assert.equal(errorCodeName(0xe), undefined);
});

test('frame types and SETTINGS parameters', () => {
  assert.equal(frameTypeName(0x1), 'HEADERS');
  assert.equal(frameTypeName(0x8), 'WINDOW_UPDATE');
  assert.equal(frameTypeName(0x2a), 'type 0x2a');
  assert.equal(extensionFrameName(0x10), 'PRIORITY_UPDATE');
  assert.equal(extensionFrameName(0x2a), undefined);
  assert.equal(settingName(0x3), 'SETTINGS_MAX_CONCURRENT_STREAMS');
  assert.equal(settingName(0x9), 'SETTINGS_NO_RFC7540_PRIORITIES');
  assert.equal(settingName(0x7), undefined);
});
