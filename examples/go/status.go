//go:build ignore

// A payment status read (read payment) by the merchant's order id, through the
// freedompay-sidecar with net/http (`gateway-full` preset).
//
//	SIDECAR_URL=http://127.0.0.1:18080 go run status.go ORDER_ID
//
// Prints the final status, x-request-id and body; exits 0 on a 2xx, 1 otherwise.
// (Each example in this folder is its own program: build one file at a time.)
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

var retryable = map[int]bool{502: true, 503: true, 504: true}

var client = &http.Client{Timeout: 30 * time.Second}

func status(orderID string) (*http.Response, []byte, error) {
	url := strings.TrimRight(envOr("SIDECAR_URL", "http://127.0.0.1:18080"), "/") + "/v5/g2g/read"
	body, err := json.Marshal(map[string]any{"order_id": orderID})
	if err != nil {
		return nil, nil, err
	}
	// A read moves no money: resending it is always safe, so it needs no Idempotency-Key.
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return nil, nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Action", "gateway.payment.status")

		var reason string
		resp, err := client.Do(req)
		if err == nil {
			answer, readErr := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch {
			case readErr != nil:
				reason = readErr.Error()
			case !retryable[resp.StatusCode] || attempt == maxAttempts:
				return resp, answer, nil
			default:
				reason = fmt.Sprintf("status %d", resp.StatusCode)
			}
		} else {
			reason = err.Error()
		}
		if attempt == maxAttempts {
			return nil, nil, fmt.Errorf("gave up after %d attempts: %s", maxAttempts, reason)
		}
		delay := time.Duration(float64(500*time.Millisecond) * float64(int(1)<<(attempt-1)) * (0.5 + rand.Float64()))
		fmt.Fprintf(os.Stderr, "attempt %d: %s; retrying in %v\n", attempt, reason, delay.Round(time.Millisecond))
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
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: status ORDER_ID")
		os.Exit(2)
	}
	rand.Seed(time.Now().UnixNano())
	resp, body, err := status(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("HTTP %d\nx-request-id: %s\n%s\n", resp.StatusCode, resp.Header.Get("X-Request-Id"), body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		os.Exit(1)
	}
}
