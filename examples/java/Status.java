// A payment status read (read payment) by the merchant's order id, through the
// freedompay-sidecar with java.net.http (Java 17+, `gateway-full` preset).
//
//   SIDECAR_URL=http://127.0.0.1:18080 java Status.java ORDER_ID
//
// Prints the final status, x-request-id and body; exits 0 on a 2xx, 1 otherwise.

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

public class Status {
    static final Set<Integer> RETRYABLE = Set.of(502, 503, 504);
    static final int MAX_ATTEMPTS = 4;

    static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** A JSON string literal (RFC 8259 §7): quotes, backslashes and control characters escaped. */
    static String jsonString(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') out.append('\\').append(c);
            else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
            else out.append(c);
        }
        return out.append('"').toString();
    }

    static HttpResponse<String> status(String orderId) throws IOException, InterruptedException {
        String base = System.getenv().getOrDefault("SIDECAR_URL", "http://127.0.0.1:18080").replaceAll("/+$", "");
        // A read moves no money: resending it is always safe, so it needs no Idempotency-Key.
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v5/g2g/read"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("X-Action", "gateway.payment.status")
                .POST(HttpRequest.BodyPublishers.ofString("{\"order_id\":" + jsonString(orderId) + "}"))
                .build();
        for (int attempt = 1; ; attempt++) {
            String reason;
            try {
                HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
                if (!RETRYABLE.contains(response.statusCode()) || attempt == MAX_ATTEMPTS) return response;
                reason = "status " + response.statusCode();
            } catch (IOException e) {
                if (attempt == MAX_ATTEMPTS) throw e;
                reason = e.toString();
            }
            long delayMs = (long) (500 * Math.pow(2, attempt - 1) * ThreadLocalRandom.current().nextDouble(0.5, 1.5));
            System.err.println("attempt " + attempt + ": " + reason + "; retrying in " + delayMs + " ms");
            Thread.sleep(delayMs);
        }
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: java Status.java ORDER_ID");
            System.exit(2);
        }
        HttpResponse<String> response;
        try {
            response = status(args[0]);
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
