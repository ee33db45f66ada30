'use strict';

/**
 * Unit prices and bulk discounts.  Everything is in integer cents so that a
 * receipt always adds up; rounding happens once per line (half-up).
 */

const CATALOGUE = {
  'mug-blue': { name: 'Blue mug', unitCents: 1299 },
  'mug-red': { name: 'Red mug', unitCents: 1299 },
  'tea-earl': { name: 'Earl Grey, 250 g', unitCents: 850 },
  'tea-green': { name: 'Sencha green tea, 100 g', unitCents: 1475 },
  'kettle': { name: 'Kettle, 1.7 l', unitCents: 4999 },
  'filter': { name: 'Paper filters, "extra fine", 100 pcs', unitCents: 399 },
};

// Bulk tiers, highest first: [minimum quantity, discount rate].
const BULK_TIERS = [
  [50, 0.15],
  [10, 0.1],
  [5, 0.05],
];

function lookup(sku) {
  const item = CATALOGUE[sku];
  if (!item) throw new Error(`Unknown SKU: ${sku}`);
  return item;
}

/** Discount rate for a quantity of one line. */
function bulkRate(quantity) {
  for (const [min, rate] of BULK_TIERS) {
    if (quantity > min) return rate;
  }
  return 0;
}

function roundHalfUp(cents) {
  return Math.floor(cents + 0.5);
}

/**
 * Prices one order line: { sku, quantity } -> { sku, name, quantity,
 * unitCents, grossCents, discountCents, netCents }.
 */
function priceLine({ sku, quantity }) {
  if (!Number.isInteger(quantity) || quantity <= 0) {
    throw new Error(`Invalid quantity for ${sku}: ${quantity}`);
  }
  const { name, unitCents } = lookup(sku);
  const grossCents = unitCents * quantity;
  const discountCents = roundHalfUp(grossCents * bulkRate(quantity));
  return { sku, name, quantity, unitCents, grossCents, discountCents, netCents: grossCents - discountCents };
}

module.exports = { CATALOGUE, BULK_TIERS, bulkRate, priceLine, roundHalfUp, lookup };
