<?php
// A Merchant API payment (init_payment.php) through the freedompay-sidecar with PHP's curl
// extension: the app sends the fields; the sidecar adds pg_merchant_id, pg_salt and pg_sig
// (the app holds no key) and says in X-FreedomPay-Signature whether the answer verified.
//
//   SIDECAR_URL=http://127.0.0.1:18080 php init_payment.php ORDER_ID AMOUNT DESCRIPTION
//
// Prints the status, X-FreedomPay-Signature and the XML body; exits 0 on a 200 whose
// signature verified, 1 otherwise.

const MAX_ATTEMPTS = 4;

/** @return array{int, string, string} status, X-FreedomPay-Signature, body */
function initPayment(string $orderId, string $amount, string $description): array
{
    $url = rtrim(getenv('SIDECAR_URL') ?: 'http://127.0.0.1:18080', '/') . '/init_payment.php';
    // The Merchant API echoes no request id, so a payment is created again if this request
    // is resent after it reached Freedom Pay. Resend only what surely did not: the sidecar
    // could not be reached, or it answered 503 (overloaded or not ready: nothing forwarded).
    // After a 502/504 or a timeout the outcome is unknown: look the order up
    // (get_status3.php with pg_order_id) instead of paying again.
    for ($attempt = 1; ; $attempt++) {
        $signature = '';
        $ch = curl_init($url);
        curl_setopt_array($ch, [
            CURLOPT_POST => true,
            CURLOPT_POSTFIELDS => http_build_query(
                ['pg_order_id' => $orderId, 'pg_amount' => $amount, 'pg_description' => $description], '', '&', PHP_QUERY_RFC3986),
            CURLOPT_HTTPHEADER => ['Content-Type: application/x-www-form-urlencoded', "Idempotency-Key: order-$orderId-create"],
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_CONNECTTIMEOUT => 5,
            CURLOPT_TIMEOUT => 30, // longer than the sidecar's upstream timeout (20 s)
            CURLOPT_HEADERFUNCTION => function ($ch, string $line) use (&$signature): int {
                if (stripos($line, 'x-freedompay-signature:') === 0) {
                    $signature = trim(substr($line, strlen('x-freedompay-signature:')));
                }
                return strlen($line);
            },
        ]);
        $body = curl_exec($ch);
        $status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        $errno = curl_errno($ch);
        $error = curl_error($ch);
        curl_close($ch);
        $nothingSent = $errno === CURLE_COULDNT_CONNECT || ($body !== false && $status === 503);
        if (!$nothingSent || $attempt === MAX_ATTEMPTS) {
            if ($body === false) {
                throw new RuntimeException("no answer: the payment may exist; check its status by pg_order_id ($error)");
            }
            return [$status, $signature, $body];
        }
        fwrite(STDERR, "attempt $attempt: nothing was sent ($error$status); retrying\n");
        usleep(random_int(200, 800) * 1000);
    }
}

if ($argc !== 4) {
    fwrite(STDERR, "usage: php init_payment.php ORDER_ID AMOUNT DESCRIPTION\n");
    exit(2);
}
try {
    [$status, $signature, $body] = initPayment($argv[1], $argv[2], $argv[3]);
} catch (RuntimeException $e) {
    fwrite(STDERR, $e->getMessage() . "\n");
    exit(1);
}
echo "HTTP $status\n";
echo "X-FreedomPay-Signature: $signature\n";
echo $body, "\n";
exit($status === 200 && $signature === 'verified' ? 0 : 1);
