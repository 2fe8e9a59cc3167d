// A refund through the freedompay-sidecar with net/http, retried safely.
//
//	SIDECAR_URL=http://127.0.0.1:18080 go run refund.go ORDER_ID REFUND_NUMBER PAYMENT_ID AMOUNT
//
// Prints the final status, x-request-id and body; exits 0 on a 2xx, 1 otherwise.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"strings"
	"time"
)

const maxAttempts = 4

// Upstream unreachable/bad answer, overloaded/not ready, upstream timeout.
var retryable = map[int]bool{502: true, 503: true, 504: true}

// Longer than the sidecar's upstream timeout (20 s), so the sidecar answers 504 first.
var client = &http.Client{Timeout: 30 * time.Second}

func refund(orderID, refundNumber, paymentID string, amount json.Number) (*http.Response, []byte, error) {
	url := strings.TrimRight(envOr("SIDECAR_URL", "http://127.0.0.1:18080"), "/") + "/v5/g2g/edit"
	body, err := json.Marshal(map[string]any{"id": paymentID, "amount": amount})
	if err != nil {
		return nil, nil, err
	}
	// The key names the business operation, not the HTTP request: every attempt at this
	// refund (a retry here, a rerun after a crash, another replica) sends the same key, the
	// sidecar maps it to the same X-Request-Id, and Freedom Pay answers a repeated id with
	// the original result instead of refunding twice. A fresh random key would not.
	key := fmt.Sprintf("order-%s-refund-%s", orderID, refundNumber)
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return nil, nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)

		var reason string
		resp, err := client.Do(req)
		if err == nil {
			answer, readErr := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch {
			case readErr != nil: // cut off mid-body: as unknown as no answer at all
				reason = readErr.Error()
			// Any other answer is final: a 4xx will not change by resending it.
			case !retryable[resp.StatusCode] || attempt == maxAttempts:
				return resp, answer, nil
			default:
				reason = fmt.Sprintf("status %d %s", resp.StatusCode, resp.Header.Get("X-Sidecar-Error"))
			}
		} else { // refused, reset, timed out
			reason = err.Error()
		}
		if attempt == maxAttempts {
			return nil, nil, fmt.Errorf("gave up after %d attempts: %s", maxAttempts, reason)
		}
		// Exponential backoff (0.5 s, 1 s, 2 s) with jitter so replicas spread out.
		delay := time.Duration(float64(500*time.Millisecond) * float64(int(1)<<(attempt-1)) * (0.5 + rand.Float64()))
		fmt.Fprintf(os.Stderr, "attempt %d: %s; retrying in %v with the same key\n", attempt, reason, delay.Round(time.Millisecond))
		time.Sleep(delay)
	}
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: refund ORDER_ID REFUND_NUMBER PAYMENT_ID AMOUNT")
		os.Exit(2)
	}
	rand.Seed(time.Now().UnixNano()) // needed before Go 1.20 for distinct jitter per process
	resp, body, err := refund(os.Args[1], os.Args[2], os.Args[3], json.Number(os.Args[4]))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("HTTP %d\nx-request-id: %s\n%s\n", resp.StatusCode, resp.Header.Get("X-Request-Id"), body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		os.Exit(1)
	}
}
