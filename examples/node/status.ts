// A payment status read (read payment) by the merchant's order id, through the
// freedompay-sidecar with fetch (Node 18+, `gateway-full` preset).
// Typed against TypeScript 4.8 (Debian's node-typescript) and its DOM lib, where fetch lives.
//
//   tsc --target es2022 --module commonjs --lib es2022,dom status.ts
//   SIDECAR_URL=http://127.0.0.1:18080 node status.js ORDER_ID
//
// Prints the final status, x-request-id and body; exits 0 on a 2xx, 1 otherwise.

// The part of @types/node this file uses (Debian packages no @types/node; with it
// installed, delete this line).
declare const process: { env: Record<string, string | undefined>; argv: string[]; exitCode?: number };

const SIDECAR_URL = (process.env.SIDECAR_URL ?? "http://127.0.0.1:18080").replace(/\/+$/, "");
const RETRYABLE = new Set([502, 503, 504]); // upstream unreachable/bad answer, overloaded/not ready, timeout
const MAX_ATTEMPTS = 4;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  requestId: string;
  body: string;
}

async function readStatus(orderId: string): Promise<Answer> {
  // A read moves no money: resending it is always safe, so it needs no Idempotency-Key.
  for (let attempt = 1; ; attempt++) {
    let reason: string;
    // Longer than the sidecar's upstream timeout (20 s), so the sidecar answers 504 first.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), 30_000);
    try {
      const response = await fetch(`${SIDECAR_URL}/v5/g2g/read`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Action": "gateway.payment.status" },
        body: JSON.stringify({ order_id: orderId }),
        signal: timeout.signal,
      });
      const body = await response.text();
      // Any other answer is final: a 4xx will not change by resending it.
      if (!RETRYABLE.has(response.status) || attempt === MAX_ATTEMPTS) {
        return { status: response.status, requestId: response.headers.get("x-request-id") ?? "", body };
      }
      reason = `status ${response.status} ${response.headers.get("x-sidecar-error") ?? ""}`;
    } catch (error) {
      // refused, reset, timed out
      if (attempt === MAX_ATTEMPTS) throw error;
      reason = String((error as Error).cause ?? error);
    } finally {
      clearTimeout(timer);
    }
    // Exponential backoff (0.5 s, 1 s, 2 s) with jitter so replicas spread out.
    const delay = 500 * 2 ** (attempt - 1) * (0.5 + Math.random());
    console.error(`attempt ${attempt}: ${reason}; retrying in ${Math.round(delay)} ms`);
    await sleep(delay);
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.length !== 1) {
    console.error("usage: node status.js ORDER_ID");
    return 2;
  }
  const [orderId] = args;
  let answer: Answer;
  try {
    answer = await readStatus(orderId);
  } catch (error) {
    console.error(`gave up after ${MAX_ATTEMPTS} attempts: ${error}`);
    return 1;
  }
  console.log(`HTTP ${answer.status}`);
  console.log(`x-request-id: ${answer.requestId}`);
  console.log(answer.body);
  return answer.status >= 200 && answer.status < 300 ? 0 : 1;
}

main().then((code) => {
  process.exitCode = code;
});
