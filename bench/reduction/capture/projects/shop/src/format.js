'use strict';

/**
 * Receipt formatting for the CLI.
 */

function formatReceipt(totals, { shopName = 'Tea & Mugs', region = 'EU', width = 48 } = {}) {
  const out = [];
  const pad = Math.max(0, Math.floor((width - shopName.length) / 2));
  out.push(' '.repeat(pad) + shopName);
  out.push('='.repeat(width));
  for (const line of totals.lines) {
    let name = line.name;
    if (name.length > width - 22) name = name.slice(0, width - 25) + '...';
    const qty = String(line.quantity).padStart(3);
    const unit = (line.unitCents / 100).toFixed(2).padStart(7);
    const gross = (line.grossCents / 100).toFixed(2).padStart(9);
    out.push(name.padEnd(width - 22) + qty + ' x' + unit + gross);
    if (line.discountCents > 0) {
      const rate = Math.round((line.discountCents / line.grossCents) * 100);
      const label = `  bulk discount ${rate}%`;
      const amount = '-' + (line.discountCents / 100).toFixed(2);
      out.push(label.padEnd(width - amount.length) + amount);
    }
  }
  out.push('-'.repeat(width));
  const sub = (totals.subtotalCents / 100).toFixed(2);
  out.push('Subtotal'.padEnd(width - sub.length) + sub);
  if (totals.coupon) {
    const amount = '-' + (totals.couponCents / 100).toFixed(2);
    const label = `Coupon ${totals.coupon}`;
    out.push(label.padEnd(width - amount.length) + amount);
  } else if (totals.couponProblem) {
    out.push(`(coupon not applied: ${totals.couponProblem})`);
  }
  const tax = (totals.taxCents / 100).toFixed(2);
  const taxLabel = `Tax (${region})`;
  out.push(taxLabel.padEnd(width - tax.length) + tax);
  out.push('='.repeat(width));
  const total = (totals.totalCents / 100).toFixed(2);
  out.push('TOTAL'.padEnd(width - total.length) + total);
  return out.join('\n') + '\n';
}

module.exports = { formatReceipt };
