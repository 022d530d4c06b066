import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseRoute, RouteLabeler, defaultRoute, OTHER_ROUTE } from './route-label.js';
import { ConfigError } from '../errors.js';

test('normaliseRoute drops the query and replaces id-like segments', () => {
  assert.equal(normaliseRoute('/'), '/');
  assert.equal(normaliseRoute('/orders/12345?x=1'), '/orders/:id');
  assert.equal(normaliseRoute('/u/3f2504e0-4f89-11d3-9a0c-0305e82c3301/cart'), '/u/:id/cart');
  assert.equal(normaliseRoute('/blob/deadbeefdeadbeefdeadbeef'), '/blob/:id');
  assert.equal(normaliseRoute('/s/aB3dE6gH9jK2mN5pQ8sT1'), '/s/:id');
  assert.equal(normaliseRoute('/static/app.js'), '/static/app.js');
  assert.equal(normaliseRoute('/a/b/c/d/e/f'), '/a/b/c/d/…');
});

test('RouteLabeler caps distinct labels and sends the rest to other', () => {
  const labeler = new RouteLabeler(defaultRoute, 3);
  const req = (path: string) => ({ method: 'GET', path, headers: {} });
  assert.equal(labeler.label(req('/a')), '/a');
  assert.equal(labeler.label(req('/b')), '/b');
  assert.equal(labeler.label(req('/c')), '/c');
  assert.equal(labeler.label(req('/d')), OTHER_ROUTE);
  assert.equal(labeler.label(req('/a?q=1')), '/a');
  assert.equal(labeler.size, 3);
});

test('RouteLabeler turns a throwing or empty route function into other', () => {
  const throwing = new RouteLabeler(() => { throw new Error('boom'); }, 5);
  assert.equal(throwing.label({ method: 'GET', path: '/', headers: {} }), OTHER_ROUTE);
  const empty = new RouteLabeler(() => '', 5);
  assert.equal(empty.label({ method: 'GET', path: '/', headers: {} }), OTHER_ROUTE);
  assert.throws(() => new RouteLabeler(defaultRoute, 0), ConfigError);
});

test('RouteLabeler answers alternating and repeated paths with their own labels', () => {
  const labeler = new RouteLabeler(defaultRoute, 2);
  const label = (path: string) => labeler.labelFor('GET', path, {});
  // Fresh strings with equal content, as node:http2 hands them out.
  const fresh = (path: string) => Buffer.from(path).toString('latin1');
  assert.equal(label(fresh('/orders/1')), '/orders/:id');
  assert.equal(label(fresh('/orders/1')), '/orders/:id');
  assert.equal(label(fresh('/users')), '/users');
  assert.equal(label(fresh('/orders/1')), '/orders/:id');
  assert.equal(label(fresh('/late')), OTHER_ROUTE);
  assert.equal(label(fresh('/late')), OTHER_ROUTE);
  assert.equal(label(fresh('/users')), '/users');
  assert.equal(labeler.size, 2);
});
