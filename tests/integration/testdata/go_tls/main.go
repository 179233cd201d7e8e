// An HTTPS server and client on Go's net/http and crypto/tls, for hostlens's Go TLS tests
// (tests/integration/tls_go_test.cc builds it with `go build`). Both speak HTTP/1.1 only:
// hostlens does not decode HTTP/2, which Go negotiates over TLS by default.
//
//	main server ADDR CERT KEY         /hello (6 bytes), /large (100 KiB); exits 0 on SIGTERM
//	main server-h2 ADDR CERT KEY      the same with Go's default: HTTP/2 offered over TLS
//	main client CA AFTER URL...       GETs each URL in turn on keep-alive connections; writes
//	                                  "STATUS COUNT" per status to stderr (what the tests
//	                                  keep of a process); first writes AFTER.ready and waits
//	                                  for the file AFTER ("-": at once)
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
)

const largeBytes = 100 * 1024

func serve(addr, cert, key string, h2 bool) error {
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello\n")
	})
	large := strings.Repeat("x", largeBytes)
	mux.HandleFunc("/large", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, large)
	})
	srv := &http.Server{
		Addr:    addr,
		Handler: mux,
		// A non-nil empty map: no "h2" in ALPN, HTTP/1.1 only.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	if h2 {
		srv.TLSNextProto = nil
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServeTLS(cert, key) }()
	select {
	case err := <-done:
		return err
	case <-stop:
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(ctx)
	}
}

func get(ca, after string, urls []string) error {
	pem, err := os.ReadFile(ca)
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return fmt.Errorf("no certificate in %s", ca)
	}
	if after != "-" {
		os.WriteFile(after+".ready", nil, 0o644)
		for {
			if _, err := os.Stat(after); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: roots},
		ForceAttemptHTTP2: false,
		// A non-nil empty map: HTTP/1.1 only.
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{},
	}}
	statuses := map[int]int{}
	for _, url := range urls {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		statuses[resp.StatusCode]++
	}
	codes := make([]int, 0, len(statuses))
	for code := range statuses {
		codes = append(codes, code)
	}
	sort.Ints(codes)
	for _, code := range codes {
		fmt.Fprintf(os.Stderr, "%d %d\n", code, statuses[code])
	}
	return nil
}

func main() {
	var err error
	switch {
	case len(os.Args) == 5 && (os.Args[1] == "server" || os.Args[1] == "server-h2"):
		err = serve(os.Args[2], os.Args[3], os.Args[4], os.Args[1] == "server-h2")
	case len(os.Args) >= 5 && os.Args[1] == "client":
		err = get(os.Args[2], os.Args[3], os.Args[4:])
	default:
		err = fmt.Errorf("usage: %s server|server-h2 ADDR CERT KEY | client CA AFTER URL...", os.Args[0])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
