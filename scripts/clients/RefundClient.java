// Sends one unsigned refund to the sidecar: POST $SIDECAR_URL/v5/g2g/edit (Java 17+).
//
//   SIDECAR_URL=http://127.0.0.1:18080 java RefundClient.java [--id UUID] [--amount N] [--idempotency-key K]
//
// Prints the status, response headers and body. Exits 0 only on HTTP 200 with a JSON body
// that has refund_payment.status.

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

public class RefundClient {
    public static void main(String[] args) throws Exception {
        String id = UUID.randomUUID().toString();
        long amount = 100;
        String idempotencyKey = UUID.randomUUID().toString();
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--id" -> id = args[i + 1];
                case "--amount" -> amount = Long.parseLong(args[i + 1]);
                case "--idempotency-key" -> idempotencyKey = args[i + 1];
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        String base = System.getenv().getOrDefault("SIDECAR_URL", "http://127.0.0.1:18080").replaceAll("/+$", "");
        String body = "{\"id\":" + Json.quote(id) + ",\"amount\":" + amount + "}";

        // HTTP/1.1 explicitly: the default would offer an h2c upgrade on plain http.
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v5/g2g/edit"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            System.err.println("request failed: " + e);
            System.exit(1);
            return;
        }

        System.out.println("HTTP " + response.statusCode());
        response.headers().map().forEach((name, values) -> values.forEach(v -> System.out.println(name + ": " + v)));
        System.out.println();
        System.out.println(response.body());

        Object status = null;
        try {
            Object answer = new Json(response.body()).parse();
            if (answer instanceof Map<?, ?> top && top.get("refund_payment") instanceof Map<?, ?> refund) {
                status = refund.get("status");
            }
        } catch (IllegalArgumentException e) {
            status = null;
        }
        if (response.statusCode() != 200 || status == null) {
            System.err.println("RefundClient.java: FAILED (want HTTP 200 with refund_payment.status)");
            System.exit(1);
        }
        System.err.println("RefundClient.java: OK, refund_payment.status=" + status);
    }

    /** A minimal JSON reader (objects, arrays, strings, numbers, literals): enough to check an answer. */
    static final class Json {
        private final String s;
        private int i;

        Json(String s) { this.s = s; }

        static String quote(String v) {
            StringBuilder b = new StringBuilder("\"");
            for (char c : v.toCharArray()) {
                if (c == '"' || c == '\\') b.append('\\').append(c);
                else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                else b.append(c);
            }
            return b.append('"').toString();
        }

        Object parse() {
            Object v = value();
            ws();
            if (i != s.length()) throw new IllegalArgumentException("trailing data at " + i);
            return v;
        }

        private void ws() { while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++; }

        private char peek() {
            if (i >= s.length()) throw new IllegalArgumentException("unexpected end");
            return s.charAt(i);
        }

        private void expect(char c) {
            if (peek() != c) throw new IllegalArgumentException("expected '" + c + "' at " + i);
            i++;
        }

        private Object value() {
            ws();
            char c = peek();
            if (c == '{') return object();
            if (c == '[') return array();
            if (c == '"') return string();
            for (String lit : new String[] {"true", "false", "null"}) {
                if (s.startsWith(lit, i)) {
                    i += lit.length();
                    return lit.equals("null") ? null : Boolean.valueOf(lit);
                }
            }
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
            if (start == i) throw new IllegalArgumentException("unexpected '" + c + "' at " + i);
            return Double.valueOf(s.substring(start, i));
        }

        private Map<String, Object> object() {
            Map<String, Object> m = new LinkedHashMap<>();
            expect('{');
            ws();
            if (peek() == '}') { i++; return m; }
            while (true) {
                ws();
                String k = string();
                ws();
                expect(':');
                m.put(k, value());
                ws();
                if (peek() == ',') { i++; continue; }
                expect('}');
                return m;
            }
        }

        private List<Object> array() {
            List<Object> l = new ArrayList<>();
            expect('[');
            ws();
            if (peek() == ']') { i++; return l; }
            while (true) {
                l.add(value());
                ws();
                if (peek() == ',') { i++; continue; }
                expect(']');
                return l;
            }
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = peek();
                i++;
                if (c == '"') return b.toString();
                if (c != '\\') { b.append(c); continue; }
                char e = peek();
                i++;
                switch (e) {
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) throw new IllegalArgumentException("bad escape");
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> b.append(e);
                }
            }
        }
    }
}
