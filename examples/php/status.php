<?php
// A payment status read (read payment) by the merchant's order id, through the
// freedompay-sidecar with PHP's curl extension (`gateway-full` preset).
//
//   SIDECAR_URL=http://127.0.0.1:18080 php status.php ORDER_ID
//
// Prints the final status, x-request-id and body; exits 0 on a 2xx, 1 otherwise.

const RETRYABLE = [502, 503, 504];
const MAX_ATTEMPTS = 4;

/** @return array{int, string, string} status, x-request-id, body */
function post(string $path, array $fields, array $headers): array
{
    $url = rtrim(getenv('SIDECAR_URL') ?: 'http://127.0.0.1:18080', '/') . $path;
    for ($attempt = 1; ; $attempt++) {
        $requestId = '';
        $ch = curl_init($url);
        curl_setopt_array($ch, [
            CURLOPT_POST => true,
            CURLOPT_POSTFIELDS => json_encode($fields),
            CURLOPT_HTTPHEADER => array_merge(['Content-Type: application/json'], $headers),
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_CONNECTTIMEOUT => 5,
            CURLOPT_TIMEOUT => 30,
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
            if (!in_array($status, RETRYABLE, true) || $attempt === MAX_ATTEMPTS) {
                return [$status, $requestId, $body];
            }
            $reason = "status $status";
        } elseif ($attempt === MAX_ATTEMPTS) {
            throw new RuntimeException("gave up after " . MAX_ATTEMPTS . " attempts: $error");
        } else {
            $reason = $error;
        }
        $delayMs = (int) (500 * 2 ** ($attempt - 1) * (0.5 + mt_rand() / mt_getrandmax()));
        fwrite(STDERR, "attempt $attempt: $reason; retrying in $delayMs ms\n");
        usleep($delayMs * 1000);
    }
}

if ($argc !== 2) {
    fwrite(STDERR, "usage: php status.php ORDER_ID\n");
    exit(2);
}
try {
    // A read moves no money: resending it is always safe, so it needs no Idempotency-Key.
    [$status, $requestId, $body] = post('/v5/g2g/read', ['order_id' => $argv[1]], ['X-Action: gateway.payment.status']);
} catch (RuntimeException $e) {
    fwrite(STDERR, $e->getMessage() . "\n");
    exit(1);
}
echo "HTTP $status\nx-request-id: $requestId\n$body\n";
exit($status >= 200 && $status < 300 ? 0 : 1);
