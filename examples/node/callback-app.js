#!/usr/bin/env node
// Freedom Pay's callbacks, as an app behind the freedompay-sidecar's callback listener.
//
//     node callback-app.js PORT [READY_FILE]
//
// The sidecar verified pg_sig before forwarding: this app holds no key and checks no
// signature. It trusts a request only when the sidecar says so (X-FreedomPay-Signature:
// verified, a header the sidecar removes from what Freedom Pay or anyone else sends), reads
// the fields from the form Freedom Pay sent (urlencoded, or the query of a GET), and answers
// JSON; the sidecar turns it into the signed XML Freedom Pay expects. Node's standard
// library only. Listens on 127.0.0.1: the sidecar is its only client.
"use strict";
const http = require("node:http");
const fs = require("node:fs");

const ORDERS = new Map([["23", "25"], ["24", "100"]]);
const paid = new Map();

function answer(res, status, value) {
  const data = JSON.stringify(value);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) });
  res.end(data);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    // Only the sidecar sets this, after it checked pg_sig with the merchant's secret.
    if (req.headers["x-freedompay-signature"] !== "verified") {
      return answer(res, 403, { error: "not verified by the sidecar" });
    }
    const url = new URL(req.url, "http://127.0.0.1");
    console.error(`callback-app: ${req.method} ${url.pathname}`);
    const body = Buffer.concat(chunks).toString("utf8");
    const fields = new URLSearchParams(req.method === "GET" ? url.search : body);
    const repeat = req.headers["x-freedompay-repeat"] === "true";
    const order = fields.get("pg_order_id");
    if (url.pathname.endsWith("/check")) {
      // "Check request": can this order still be paid, for this amount?
      return ORDERS.get(order) === fields.get("pg_amount")
        ? answer(res, 200, { pg_status: "ok", pg_description: "order can be paid" })
        : answer(res, 200, { pg_status: "rejected", pg_description: "unknown order or amount" });
    }
    if (url.pathname.endsWith("/result")) {
      // "Result notify": record the outcome once; a repeat gets the same answer.
      const first = !paid.has(order);
      if (first && fields.get("pg_result") === "1") paid.set(order, fields.get("pg_payment_id"));
      return answer(res, 200, { pg_status: "ok", pg_description: repeat || !first ? "already recorded" : "payment recorded" });
    }
    if (url.pathname.endsWith("/payout")) {
      // "Payout notify" asks only for a 200; the sidecar passes this answer through.
      return answer(res, 200, { received: true });
    }
    if (url.pathname.endsWith("/success")) {
      // "Redirect back": the buyer's browser; the Result URL, not this, is what counts.
      return answer(res, 200, { order, thanks: true });
    }
    answer(res, 404, { error: "no such callback" });
  });
});

server.listen(Number(process.argv[2]), "127.0.0.1", () => {
  if (process.argv[3]) fs.writeFileSync(process.argv[3], String(server.address().port));
});
