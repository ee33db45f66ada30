'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { Cart } = require('../src/cart');

test('a single mug costs its unit price plus EU tax', () => {
  const t = new Cart({ region: 'EU' }).add('mug-blue').totals();
  assert.equal(t.subtotalCents, 1299);
  assert.equal(t.taxCents, 260);
  assert.equal(t.totalCents, 1559);
});

test('removing a line drops it from the totals', () => {
  const t = new Cart().add('kettle').add('mug-red', 2).remove('kettle').totals();
  assert.deepEqual(t.lines.map((l) => l.sku), ['mug-red']);
});

test('an expired coupon is reported, not applied', () => {
  const t = new Cart({ today: new Date('2026-06-01') }).add('kettle').applyCoupon('spring25').totals();
  assert.equal(t.coupon, null);
  assert.equal(t.couponProblem, 'expired on 2026-05-31');
});

test('a fixed coupon needs its minimum subtotal', () => {
  const t = new Cart().add('filter').applyCoupon('TEATIME').totals();
  assert.equal(t.couponCents, 0);
  assert.match(t.couponProblem, /at least 30.00/);
});
