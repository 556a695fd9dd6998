// A deliberately failing check, run only by tests/web/test_booth_vectors.py to show that a
// wrong byte in a vector makes the JavaScript suite, and so pytest, fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as C from '../../vybory/web/booth/crypto.mjs';

test('a vector with one byte changed does not match', () => {
  const v = JSON.parse(readFileSync(fileURLToPath(new URL('../vectors/group.json', import.meta.url)), 'utf8'));
  const wrong = v.generator.slice(0, -2) + (v.generator.endsWith('00') ? '01' : '00');
  assert.equal(C.pointToHex(C.G), wrong);
});
