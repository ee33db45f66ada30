'use strict';

/** Tax rates by region, applied to the discounted subtotal. */
const RATES = {
  EU: 0.2,
  UK: 0.2,
  'US-CA': 0.0725,
  'US-OR': 0,
};

function taxRate(region) {
  if (!(region in RATES)) throw new Error(`No tax rate for region ${region}`);
  return RATES[region];
}

function taxCents(amountCents, region) {
  return Math.floor(amountCents * taxRate(region) + 0.5);
}

module.exports = { RATES, taxRate, taxCents };
