#!/usr/bin/env node
// Sends one unsigned refund to the sidecar: POST $SIDECAR_URL/v5/g2g/edit (Node 20+).
//
//   SIDECAR_URL=http://127.0.0.1:18080 node refund_client.js [--id UUID] [--amount N] [--idempotency-key K]
//
// Prints the status, response headers and body. Exits 0 only on HTTP 200 with a JSON body
// that has refund_payment.status.
'use strict';

const { randomUUID } = require('node:crypto');
const { parseArgs } = require('node:util');

async function main() {
  const { values } = parseArgs({
    options: {
      id: { type: 'string', default: randomUUID() },
      amount: { type: 'string', default: '100' },
      'idempotency-key': { type: 'string', default: randomUUID() },
    },
  });
  const base = (process.env.SIDECAR_URL || 'http://127.0.0.1:18080').replace(/\/+$/, '');
  const body = JSON.stringify({ id: values.id, amount: Number(values.amount) });

  let response;
  try {
    response = await fetch(`${base}/v5/g2g/edit`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': values['idempotency-key'] },
      body,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    console.error(`request failed: ${error.cause?.message ?? error.message}`);
    return 1;
  }
  const raw = await response.text();

  console.log(`HTTP ${response.status}`);
  for (const [name, value] of response.headers) console.log(`${name}: ${value}`);
  console.log();
  console.log(raw);

  let refundStatus;
  try {
    refundStatus = JSON.parse(raw)?.refund_payment?.status;
  } catch {
    refundStatus = undefined;
  }
  if (response.status !== 200 || refundStatus === undefined || refundStatus === null) {
    console.error('refund_client.js: FAILED (want HTTP 200 with refund_payment.status)');
    return 1;
  }
  console.error(`refund_client.js: OK, refund_payment.status=${refundStatus}`);
  return 0;
}

main().then((code) => { process.exitCode = code; });
