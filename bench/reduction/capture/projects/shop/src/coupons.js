'use strict';

/**
 * Coupons: { code, kind: 'percent' | 'fixed', value, expires?, minSubtotal? }.
 * percent: value is a rate in percent (10 = 10% off the subtotal).
 * fixed:   value is an amount in cents, never taking the subtotal below zero.
 */

const { roundHalfUp } = require('./pricing');

const KNOWN = {
  WELCOME10: { code: 'WELCOME10', kind: 'percent', value: 10 },
  TEATIME: { code: 'TEATIME', kind: 'fixed', value: 500, minSubtotal: 3000 },
  SPRING25: { code: 'SPRING25', kind: 'percent', value: 25, expires: '2026-05-31' },
};

function findCoupon(code) {
  if (!code) return null;
  return KNOWN[String(code).trim().toUpperCase()] ?? null;
}

/** Why a coupon does not apply, or null when it does. */
function rejectionReason(coupon, subtotalCents, today = new Date()) {
  if (!coupon) return 'unknown coupon';
  if (coupon.expires) {
    const lastDay = new Date(`${coupon.expires}T23:59:59.999Z`);
    if (today > lastDay) return `expired on ${coupon.expires}`;
  }
  if (coupon.minSubtotal && subtotalCents < coupon.minSubtotal) {
    return `needs a subtotal of at least ${(coupon.minSubtotal / 100).toFixed(2)}`;
  }
  return null;
}

/** Discount in cents for a subtotal. */
function couponDiscount(coupon, subtotalCents) {
  if (coupon.kind === 'percent') return roundHalfUp((subtotalCents * coupon.value) / 100);
  if (coupon.kind === 'fixed') return Math.min(coupon.value, subtotalCents);
  throw new Error(`Unknown coupon kind: ${coupon.kind}`);
}

module.exports = { KNOWN, findCoupon, rejectionReason, couponDiscount };
