// A clearing (capture of a two-step payment) through the freedompay-sidecar with
// java.net.http (Java 17+), retried safely (`gateway-full` preset).
//
//   SIDECAR_URL=http://127.0.0.1:18080 java Clearing.java ORDER_ID PAYMENT_ID AMOUNT
//
// Prints the final status, x-request-id and body; exits 0 on a 2xx, 1 otherwise.

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

public class Clearing {
    static final Set<Integer> RETRYABLE = Set.of(502, 503, 504); // upstream unreachable/bad answer, overloaded/not ready, timeout
    static final int MAX_ATTEMPTS = 4;

    // HTTP/1.1 explicitly: the default would offer an h2c upgrade on plain http.
    static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    static HttpResponse<String> clearing(String orderId, String paymentId, BigDecimal amount)
            throws IOException, InterruptedException {
        String base = System.getenv().getOrDefault("SIDECAR_URL", "http://127.0.0.1:18080").replaceAll("/+$", "");
        // A payment id is a UUID, so it needs no JSON escaping; check rather than assume.
        if (!paymentId.matches("[0-9a-fA-F-]{36}")) throw new IllegalArgumentException("payment id is not a UUID");
        String body = "{\"id\":\"" + paymentId + "\",\"amount\":" + amount.toPlainString() + "}";
        // A payment is cleared once: the key names that operation, so every attempt maps to the
        // same X-Request-Id and Freedom Pay answers a repeat with the original result.
        String key = "order-" + orderId + "-clearing";
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v5/g2g/edit"))
                .timeout(Duration.ofSeconds(30)) // longer than the sidecar's upstream timeout (20 s)
                .header("Content-Type", "application/json")
                .header("X-Action", "gateway.payment.clearing")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        for (int attempt = 1; ; attempt++) {
            String reason;
            try {
                HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
                // Any other answer is final: a 4xx will not change by resending it.
                if (!RETRYABLE.contains(response.statusCode()) || attempt == MAX_ATTEMPTS) return response;
                reason = "status " + response.statusCode() + " " + response.headers().firstValue("x-sidecar-error").orElse("");
            } catch (IOException e) { // refused, reset, timed out
                if (attempt == MAX_ATTEMPTS) throw e;
                reason = e.toString();
            }
            // Exponential backoff (0.5 s, 1 s, 2 s) with jitter so replicas spread out.
            long delayMs = (long) (500 * Math.pow(2, attempt - 1) * ThreadLocalRandom.current().nextDouble(0.5, 1.5));
            System.err.println("attempt " + attempt + ": " + reason + "; retrying in " + delayMs + " ms with the same key");
            Thread.sleep(delayMs);
        }
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3) {
            System.err.println("usage: java Clearing.java ORDER_ID PAYMENT_ID AMOUNT");
            System.exit(2);
        }
        HttpResponse<String> response;
        try {
            response = clearing(args[0], args[1], new BigDecimal(args[2]));
        } catch (IOException e) {
            System.err.println("gave up after " + MAX_ATTEMPTS + " attempts: " + e);
            System.exit(1);
            return;
        }
        System.out.println("HTTP " + response.statusCode());
        System.out.println("x-request-id: " + response.headers().firstValue("x-request-id").orElse(""));
        System.out.println(response.body());
        System.exit(response.statusCode() / 100 == 2 ? 0 : 1);
    }
}
