#!/usr/bin/env node
'use strict';

// Usage: node src/index.js <order.json>
// order.json: { "region": "EU", "coupon": "WELCOME10", "today": "2026-03-01",
//               "lines": [{ "sku": "mug-blue", "quantity": 2 }] }

const fs = require('node:fs');
const { Cart } = require('./cart');
const { formatReceipt } = require('./format');

function main(argv) {
  const file = argv[2];
  if (!file) {
    process.stderr.write('usage: node src/index.js <order.json>\n');
    return 2;
  }
  const order = JSON.parse(fs.readFileSync(file, 'utf8'));
  const cart = new Cart({ region: order.region, today: order.today ? new Date(order.today) : new Date() });
  for (const line of order.lines) cart.add(line.sku, line.quantity);
  if (order.coupon) cart.applyCoupon(order.coupon);
  process.stdout.write(formatReceipt(cart.totals(), { region: cart.region }));
  return 0;
}

process.exitCode = main(process.argv);
