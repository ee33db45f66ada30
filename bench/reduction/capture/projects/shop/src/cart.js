'use strict';

const { priceLine } = require('./pricing');
const { findCoupon, rejectionReason, couponDiscount } = require('./coupons');
const { taxCents } = require('./tax');

/**
 * A shopping cart.  Lines are priced on demand so that a change of quantity
 * is always reflected; the coupon is re-validated on every total.
 */
class Cart {
  constructor({ region = 'EU', today = new Date() } = {}) {
    this.region = region;
    this.today = today;
    this.lines = new Map();
    this.couponCode = null;
  }

  add(sku, quantity = 1) {
    this.lines.set(sku, (this.lines.get(sku) ?? 0) + quantity);
    return this;
  }

  remove(sku, quantity = Infinity) {
    const left = (this.lines.get(sku) ?? 0) - quantity;
    if (left > 0) this.lines.set(sku, left);
    else this.lines.delete(sku);
    return this;
  }

  applyCoupon(code) {
    this.couponCode = code;
    return this;
  }

  pricedLines() {
    return [...this.lines].map(([sku, quantity]) => priceLine({ sku, quantity }));
  }

  totals() {
    const lines = this.pricedLines();
    const subtotalCents = lines.reduce((sum, l) => sum + l.netCents, 0);
    const coupon = findCoupon(this.couponCode);
    const couponProblem = this.couponCode ? rejectionReason(coupon, subtotalCents, this.today) : null;
    const couponCents = coupon && !couponProblem ? couponDiscount(coupon, subtotalCents) : 0;
    const taxableCents = subtotalCents - couponCents;
    const tax = taxCents(taxableCents, this.region);
    return {
      lines,
      subtotalCents,
      coupon: coupon && !couponProblem ? coupon.code : null,
      couponProblem,
      couponCents,
      taxCents: tax,
      totalCents: taxableCents + tax,
    };
  }
}

module.exports = { Cart };
