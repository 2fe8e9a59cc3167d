<?php
// A refund through the freedompay-sidecar with PHP's curl extension, retried safely.
//
//   SIDECAR_URL=http://127.0.0.1:18080 php refund.php ORDER_ID REFUND_NUMBER PAYMENT_ID AMOUNT
//
// Prints the final status, x-request-id and body; exits 0 on a 2xx, 1 otherwise.

const RETRYABLE = [502, 503, 504]; // upstream unreachable/bad answer, overloaded/not ready, timeout
const MAX_ATTEMPTS = 4;

/** @return array{int, string, string} status, x-request-id, body */
function refund(string $orderId, string $refundNumber, string $paymentId, float|int $amount): array
{
    $url = rtrim(getenv('SIDECAR_URL') ?: 'http://127.0.0.1:18080', '/') . '/v5/g2g/edit';
    // The key names the business operation, not the HTTP request: every attempt at this
    // refund (a retry here, a rerun after a crash, another replica) sends the same key, the
    // sidecar maps it to the same X-Request-Id, and Freedom Pay answers a repeated id with
    // the original result instead of refunding twice. A fresh random key would not.
    $key = "order-$orderId-refund-$refundNumber";
    for ($attempt = 1; ; $attempt++) {
        $requestId = '';
        $ch = curl_init($url);
        curl_setopt_array($ch, [
            CURLOPT_POST => true,
            CURLOPT_POSTFIELDS => json_encode(['id' => $paymentId, 'amount' => $amount]),
            CURLOPT_HTTPHEADER => ['Content-Type: application/json', "Idempotency-Key: $key"],
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_CONNECTTIMEOUT => 5,
            CURLOPT_TIMEOUT => 30, // longer than the sidecar's upstream timeout (20 s)
            CURLOPT_HEADERFUNCTION => function ($ch, string $line) use (&$requestId): int {
                if (stripos($line, 'x-request-id:') === 0) {
                    $requestId = trim(substr($line, strlen('x-request-id:')));
                }
                return strlen($line);
            },
        ]);
        $body = curl_exec($ch);
        $status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        $error = curl_error($ch);
        curl_close($ch);

        if ($body !== false) {
            // Any other answer is final: a 4xx will not change by resending it.
            if (!in_array($status, RETRYABLE, true) || $attempt === MAX_ATTEMPTS) {
                return [$status, $requestId, $body];
            }
            $reason = "status $status";
        } elseif ($attempt === MAX_ATTEMPTS) { // refused, reset, timed out
            throw new RuntimeException("gave up after " . MAX_ATTEMPTS . " attempts: $error");
        } else {
            $reason = $error;
        }
        // Exponential backoff (0.5 s, 1 s, 2 s) with jitter so replicas spread out.
        $delayMs = (int) (500 * 2 ** ($attempt - 1) * (0.5 + mt_rand() / mt_getrandmax()));
        fwrite(STDERR, "attempt $attempt: $reason; retrying in $delayMs ms with the same key\n");
        usleep($delayMs * 1000);
    }
}

if ($argc !== 5) {
    fwrite(STDERR, "usage: php refund.php ORDER_ID REFUND_NUMBER PAYMENT_ID AMOUNT\n");
    exit(2);
}
[, $orderId, $refundNumber, $paymentId, $amount] = $argv;
try {
    [$status, $requestId, $body] = refund($orderId, $refundNumber, $paymentId, $amount + 0);
} catch (RuntimeException $e) {
    fwrite(STDERR, $e->getMessage() . "\n");
    exit(1);
}
echo "HTTP $status\nx-request-id: $requestId\n$body\n";
exit($status >= 200 && $status < 300 ? 0 : 1);
